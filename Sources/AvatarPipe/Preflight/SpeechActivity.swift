/// Where the speech is, judged from 10 ms RMS levels: a frame counts as speech when it is
/// within 35 dB of the recording's loud reference (about its 20 loudest frames), and never
/// below -60 dBFS. Leading and trailing silence are measured to the first and last run of
/// three speech frames, so a single click does not count as speech.
public struct SpeechActivity: Sendable, Equatable {
    public static let silentBelowDBFS: Float = -55
    public static let dynamicRange: Float = 35
    public static let floorDBFS: Float = -60

    public var reference: Double
    public var isSilent: Bool
    public var leadingSilence: Double
    public var trailingSilence: Double
    public var silenceRatio: Double

    public init(levels: [Float], frameDuration: Double) {
        guard !levels.isEmpty else {
            self.init(reference: -120, isSilent: true, leading: 0, trailing: 0, ratio: 1)
            return
        }
        let sorted = levels.sorted()
        let reference = sorted[max(0, sorted.count - 1 - min(20, sorted.count / 10))]
        let threshold = max(Self.floorDBFS, reference - Self.dynamicRange)
        let speech = levels.map { $0 >= threshold }
        let first = Self.firstRun(speech, indices: Array(speech.indices))
        let last = Self.firstRun(speech, indices: speech.indices.reversed())
        let silent = speech.filter { !$0 }.count
        self.init(reference: Double(reference), isSilent: reference < Self.silentBelowDBFS,
                  leading: Double(first ?? levels.count) * frameDuration,
                  trailing: Double(last.map { levels.count - 1 - $0 } ?? levels.count) * frameDuration,
                  ratio: Double(silent) / Double(levels.count))
    }

    private init(reference: Double, isSilent: Bool, leading: Double, trailing: Double, ratio: Double) {
        self.reference = reference
        self.isSilent = isSilent
        leadingSilence = leading
        trailingSilence = trailing
        silenceRatio = ratio
    }

    /// The first index, walking `indices`, that starts a run of three speech frames.
    private static func firstRun(_ speech: [Bool], indices: [Int]) -> Int? {
        var run = 0
        for (step, index) in indices.enumerated() {
            run = speech[index] ? run + 1 : 0
            if run == 3 { return indices[step - 2] }
        }
        return nil
    }
}
