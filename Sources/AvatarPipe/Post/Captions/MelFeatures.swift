import Foundation

/// A matrix of per-frame values (frames × bands, row after row) in memory of its own, for the
/// hot loops of feature extraction and alignment. Handed between threads only whole, by the
/// thread that filled it.
final class FrameMatrix: @unchecked Sendable {
    let frames: Int
    let bands: Int
    let values: UnsafeMutablePointer<Float>

    init(frames: Int, bands: Int) {
        self.frames = frames
        self.bands = bands
        values = .allocate(capacity: max(1, frames * bands))
        values.initialize(repeating: 0, count: max(1, frames * bands))
    }

    deinit { values.deallocate() }

    func row(_ frame: Int) -> UnsafeMutablePointer<Float> { values + frame * bands }

    /// Rows `range` as a matrix of their own.
    func rows(_ range: Range<Int>) -> FrameMatrix {
        let copy = FrameMatrix(frames: range.count, bands: bands)
        copy.values.update(from: values + range.lowerBound * bands, count: range.count * bands)
        return copy
    }
}

/// Mel spectra of 16 kHz mono speech as the alignment uses them: pre-emphasis 0.97, 25 ms
/// Hamming frames every 10 ms, a 512-point FFT, 40 triangular mel bands from 20 to 7600 Hz.
/// Frame `i` covers samples [160·i, 160·i + 400) and stands for the time of its centre.
enum MelFeatures {
    static let sampleRate = 16000
    static let frameLength = 400
    static let hop = 160
    static let fftSize = 512
    static let bands = 40
    static let lowFrequency = 20.0
    static let highFrequency = 7600.0
    static let frameSeconds = Double(hop) / Double(sampleRate)
    /// The time a frame stands for: its centre.
    static func time(ofFrame frame: Double) -> Double { frame * frameSeconds + Double(frameLength) / 2 / Double(sampleRate) }
    static func frame(atTime time: Double) -> Double { (time - Double(frameLength) / 2 / Double(sampleRate)) / frameSeconds }

    static func frameCount(samples: Int) -> Int {
        samples <= frameLength ? (samples > 0 ? 1 : 0) : 1 + (samples - frameLength + hop - 1) / hop
    }

    /// The triangular filters over the FFT bins: for each band its first bin and weights.
    struct Filterbank: Sendable {
        var firstBin: [Int] = []
        var weights: [[Float]] = []
        /// The same weights in one array: band b's are at `flatStart[b] ..< flatStart[b + 1]`.
        var flat: [Float] = []
        var flatStart: [Int] = [0]

        init() {
            func mel(_ hz: Double) -> Double { 2595 * log10(1 + hz / 700) }
            func hz(_ mel: Double) -> Double { 700 * (pow(10, mel / 2595) - 1) }
            let low = mel(MelFeatures.lowFrequency), high = mel(MelFeatures.highFrequency)
            let edges = (0...(MelFeatures.bands + 1)).map { hz(low + (high - low) * Double($0) / Double(MelFeatures.bands + 1)) }
            let binHz = Double(MelFeatures.sampleRate) / Double(MelFeatures.fftSize)
            // Scaled so that a full-scale sine reads about 0 dB in its band.
            let window = (0..<MelFeatures.frameLength).reduce(0.0) { $0 + MelFeatures.hamming($1) }
            let scale = 4 / (window * window)
            for band in 0..<MelFeatures.bands {
                let (left, centre, right) = (edges[band], edges[band + 1], edges[band + 2])
                let first = Int((left / binHz).rounded(.up))
                let last = min(MelFeatures.fftSize / 2, Int((right / binHz).rounded(.down)))
                var row: [Float] = []
                for bin in max(first, 0)...max(last, first) {
                    let f = Double(bin) * binHz
                    let weight = f <= centre ? (f - left) / (centre - left) : (right - f) / (right - centre)
                    row.append(Float(max(0, weight) * scale))
                }
                firstBin.append(max(first, 0))
                weights.append(row)
                flat += row
                flatStart.append(flat.count)
            }
        }
    }

    static func hamming(_ n: Int) -> Double { 0.54 - 0.46 * cos(2 * Double.pi * Double(n) / Double(frameLength - 1)) }
    static let filterbank = Filterbank()
    static let window: [Float] = (0..<frameLength).map { Float(hamming($0)) }

    /// Linear mel power of every frame of `samples` (16 kHz), using both cores for long input.
    static func power(of samples: UnsafeBufferPointer<Float>) -> FrameMatrix {
        let frames = frameCount(samples: samples.count)
        let matrix = FrameMatrix(frames: frames, bands: bands)
        let parts = frames > 2000 ? 2 : 1
        let pointer = UnsafeSendable(samples)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = (frames * part / parts)..<(frames * (part + 1) / parts)
            fill(matrix, frames: range, samples: pointer.value)
        }
        return matrix
    }

    private static func fill(_ matrix: FrameMatrix, frames: Range<Int>, samples: UnsafeBufferPointer<Float>) {
        let fft = RealFFT(size: fftSize)
        let frame = UnsafeMutablePointer<Float>.allocate(capacity: fftSize)
        let spectrum = UnsafeMutablePointer<Float>.allocate(capacity: fftSize / 2 + 1)
        defer { frame.deallocate(); spectrum.deallocate() }
        frame.initialize(repeating: 0, count: fftSize)
        let bank = filterbank
        let count = samples.count
        guard let base = samples.baseAddress else { return }
        window.withUnsafeBufferPointer { window in
        bank.flat.withUnsafeBufferPointer { weights in
        bank.flatStart.withUnsafeBufferPointer { weightStart in
        bank.firstBin.withUnsafeBufferPointer { firstBin in
            for index in frames {
                let start = index * hop
                // Pre-emphasis continues across frames: the first sample's predecessor is the
                // sample before the frame.
                var previous: Float = start > 0 && start - 1 < count ? base[start - 1] : 0
                if start + frameLength <= count {
                    for n in 0..<frameLength {
                        let x = base[start + n]
                        frame[n] = (x - 0.97 * previous) * window[n]
                        previous = x
                    }
                } else {
                    for n in 0..<frameLength {
                        let position = start + n
                        let x: Float = position < count ? base[position] : 0
                        frame[n] = (x - 0.97 * previous) * window[n]
                        previous = x
                    }
                }
                fft.powerSpectrum(frame, into: spectrum)
                let row = matrix.row(index)
                for band in 0..<bands {
                    var sum: Float = 0
                    let bins = spectrum + firstBin[band]
                    var k = weightStart[band]
                    var bin = 0
                    let end = weightStart[band + 1]
                    while k < end { sum += weights[k] * bins[bin]; k += 1; bin += 1 }
                    row[band] = sum
                }
            }
        }
        }
        }
        }
    }

    /// Power per frame (the sum over bands) of a mel matrix.
    static func framePower(_ matrix: FrameMatrix) -> [Float] {
        (0..<matrix.frames).map { frame in
            let row = matrix.row(frame)
            var sum: Float = 0
            for band in 0..<matrix.bands { sum += row[band] }
            return sum
        }
    }

    /// The noise power per band: the mean of the quietest 10% of frames.
    static func noiseFloor(_ matrix: FrameMatrix) -> [Float] {
        guard matrix.frames > 0 else { return [Float](repeating: 0, count: matrix.bands) }
        let power = framePower(matrix)
        let order = power.indices.sorted { power[$0] < power[$1] }
        let quiet = order.prefix(max(1, matrix.frames / 10))
        var noise = [Float](repeating: 0, count: matrix.bands)
        for frame in quiet {
            let row = matrix.row(frame)
            for band in 0..<matrix.bands { noise[band] += row[band] }
        }
        return noise.map { $0 / Float(quiet.count) }
    }

    /// Log power (dB, floored at `floorDB`) normalised to zero mean and unit variance per band
    /// over the whole matrix, in place.
    static func logNormalize(_ matrix: FrameMatrix, floorDB: Float) {
        let count = matrix.frames * matrix.bands
        guard count > 0 else { return }
        let floorPower = pow(10, floorDB / 10)
        let values = matrix.values
        for index in 0..<count { values[index] = 10 * log10f(max(values[index], floorPower)) }
        for band in 0..<matrix.bands {
            var sum: Double = 0, squares: Double = 0
            var index = band
            while index < count { let v = Double(values[index]); sum += v; squares += v * v; index += matrix.bands }
            let mean = sum / Double(matrix.frames)
            let variance = max(squares / Double(matrix.frames) - mean * mean, 0)
            let scale = Float(1 / max(variance.squareRoot(), 1e-3))
            index = band
            let m = Float(mean)
            while index < count { values[index] = (values[index] - m) * scale; index += matrix.bands }
        }
    }

    /// The largest value of a matrix, in dB (for a floor relative to the loudest moment).
    static func peakDB(_ matrix: FrameMatrix) -> Float {
        var peak: Float = 1e-20
        for index in 0..<(matrix.frames * matrix.bands) { peak = max(peak, matrix.values[index]) }
        return 10 * log10f(peak)
    }
}

/// A value handed to concurrent work that only reads it (or writes disjoint parts of it).
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
