/// A crop of the photo with the exact aspect of the output orientation, placed around the
/// face: as large as the photo allows, the face centred across and at 40% of the height (eyes
/// a little above the middle, room for the shoulders), never smaller than the service's
/// 512 px minimum on the short side.
public enum Reframe {
    public struct Refusal: Error, Equatable, Sendable {
        public var message: String
    }

    /// Where the face's centre sits in the crop, from the top.
    public static let faceHeightFraction = 0.40

    public static func crop(photoWidth: Int, photoHeight: Int, face: Rect?, orientation: Orientation) -> Result<Rect, Refusal> {
        guard let face else {
            return .failure(Refusal(message: "no face was found to centre the crop on"))
        }
        let pw = Double(photoWidth), ph = Double(photoHeight)
        let aspect = Double(orientation.frameWidth) / Double(orientation.frameHeight)
        let width = min(pw, ph * aspect), height = width / aspect
        guard min(width, height) >= Double(ServiceLimits.photoMinSide) else {
            return .failure(Refusal(message: "a \(orientation.aspectLabel) crop of this \(photoWidth)×\(photoHeight) photo would be "
                                    + "\(Int(width))×\(Int(height)), under the service's 512 px minimum; try the other orientation"))
        }
        let x = clamp(face.centerX - width / 2, 0, pw - width)
        let y = clamp(face.centerY - height * faceHeightFraction, 0, ph - height)
        return .success(Rect(x: x.rounded(), y: y.rounded(), width: width.rounded(.down), height: height.rounded(.down)))
    }

    static func clamp(_ value: Double, _ low: Double, _ high: Double) -> Double {
        max(low, min(high, value))
    }
}
