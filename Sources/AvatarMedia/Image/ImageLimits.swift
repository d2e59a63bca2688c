/// The largest image avatarpipe will decode. Checked against the size a header declares,
/// before any pixel buffer is allocated: a few hundred bytes can declare 100000×100000.
public struct ImageLimits: Sendable, Equatable {
    public var maxSide: Int
    public var maxPixels: Int

    public init(maxSide: Int = 20_000, maxPixels: Int = 80_000_000) {
        self.maxSide = maxSide
        self.maxPixels = maxPixels
    }

    public static let `default` = ImageLimits()

    public func check(width: Int, height: Int, path: String) throws {
        guard width > 0, height > 0 else {
            throw MediaError(.corrupt, path: path, "declares an empty image (\(width)×\(height))")
        }
        let pixels = width.multipliedReportingOverflow(by: height)
        if width > maxSide || height > maxSide || pixels.overflow || pixels.partialValue > maxPixels {
            let megapixels = Double(width) * Double(height) / 1e6
            throw MediaError(.tooLarge, path: path,
                "declares \(width)×\(height) pixels (\(Int(megapixels.rounded())) megapixels); "
                + "avatarpipe refuses images over \(maxPixels / 1_000_000) megapixels or \(maxSide) px a side before decoding them")
        }
    }
}
