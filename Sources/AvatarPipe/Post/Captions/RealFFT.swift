import Foundation

/// A power spectrum of real frames by a radix-2 FFT: the N real samples are packed into N/2
/// complex ones, transformed, and split back, which halves the work of a complex transform.
/// Tables are built once per size; one instance is used by one thread at a time.
final class RealFFT {
    let size: Int
    private let half: Int
    private let bitReversed: UnsafeMutablePointer<Int32>
    // Twiddles of the half-size complex transform, and of the final split (e^{-2πik/N}).
    private let cosTable: UnsafeMutablePointer<Float>
    private let sinTable: UnsafeMutablePointer<Float>
    private let splitCos: UnsafeMutablePointer<Float>
    private let splitSin: UnsafeMutablePointer<Float>
    private let re: UnsafeMutablePointer<Float>
    private let im: UnsafeMutablePointer<Float>

    init(size: Int) {
        precondition(size >= 4 && size & (size - 1) == 0, "FFT size must be a power of two")
        self.size = size
        half = size / 2
        bitReversed = .allocate(capacity: half)
        cosTable = .allocate(capacity: half / 2)
        sinTable = .allocate(capacity: half / 2)
        splitCos = .allocate(capacity: half + 1)
        splitSin = .allocate(capacity: half + 1)
        re = .allocate(capacity: half)
        im = .allocate(capacity: half)
        let bits = half.trailingZeroBitCount
        for index in 0..<half {
            var reversed = 0
            for bit in 0..<bits where index & (1 << bit) != 0 { reversed |= 1 << (bits - 1 - bit) }
            bitReversed[index] = Int32(reversed)
        }
        for k in 0..<(half / 2) {
            let angle = -2 * Double.pi * Double(k) / Double(half)
            cosTable[k] = Float(cos(angle))
            sinTable[k] = Float(sin(angle))
        }
        for k in 0...half {
            let angle = -2 * Double.pi * Double(k) / Double(size)
            splitCos[k] = Float(cos(angle))
            splitSin[k] = Float(sin(angle))
        }
    }

    deinit {
        bitReversed.deallocate()
        cosTable.deallocate(); sinTable.deallocate()
        splitCos.deallocate(); splitSin.deallocate()
        re.deallocate(); im.deallocate()
    }

    /// |X[k]|² for k = 0 … N/2 of the `size` real samples at `input` into `power` (N/2 + 1 values).
    func powerSpectrum(_ input: UnsafePointer<Float>, into power: UnsafeMutablePointer<Float>) {
        let half = self.half
        for n in 0..<half {
            let target = Int(bitReversed[n])
            re[target] = input[2 * n]
            im[target] = input[2 * n + 1]
        }
        transformInPlace()
        // Split the half-size transform Z into the spectrum X of the real input:
        // X[k] = E[k] + W^k·O[k], E = (Z[k] + Z*[M-k]) / 2, O = -i (Z[k] - Z*[M-k]) / 2.
        power[0] = (re[0] + im[0]) * (re[0] + im[0])
        power[half] = (re[0] - im[0]) * (re[0] - im[0])
        var k = 1
        while k < half {
            let zr = re[k], zi = im[k]
            let cr = re[half - k], ci = -im[half - k]
            let er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci)
            let dr = 0.5 * (zr - cr), di = 0.5 * (zi - ci)
            // O = -i·d = (di, -dr)
            let or = di, oi = -dr
            let wr = splitCos[k], wi = splitSin[k]
            let xr = er + wr * or - wi * oi
            let xi = ei + wr * oi + wi * or
            power[k] = xr * xr + xi * xi
            k += 1
        }
    }

    /// The iterative radix-2 decimation-in-time butterflies over `re`/`im` (bit-reversed input).
    private func transformInPlace() {
        let count = half
        var span = 1
        var tableStep = count / 2
        while span < count {
            var start = 0
            while start < count {
                var t = 0
                for offset in 0..<span {
                    let a = start + offset, b = a + span
                    let wr = cosTable[t], wi = sinTable[t]
                    let br = re[b] * wr - im[b] * wi
                    let bi = re[b] * wi + im[b] * wr
                    re[b] = re[a] - br; im[b] = im[a] - bi
                    re[a] += br; im[a] += bi
                    t += tableStep
                }
                start += span * 2
            }
            span *= 2
            tableStep /= 2
        }
    }
}
