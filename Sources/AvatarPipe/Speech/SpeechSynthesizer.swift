import CEspeak
import Foundation
import Synchronization

/// Speech synthesised in-process with libespeak-ng: the samples, and where each word and
/// sentence of the text falls in them. libespeak-ng keeps global state and is not
/// thread-safe, so every use goes through one lock.
public struct SynthesizedSpeech: Sendable {
    public var sampleRate: Int
    public var samples: [Float]
    /// Word and sentence events: the text position (in Unicode scalars, 1-based as espeak
    /// reports it), its length, and where in the audio it starts, in samples.
    public var words: [SpeechEvent]
    public var sentences: [SpeechEvent]

    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

public struct SpeechEvent: Sendable, Equatable {
    public var textPosition: Int
    public var length: Int
    public var sample: Int
}

public enum SpeechSynthesizer {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private struct Collector {
        var samples: [Float] = []
        var words: [SpeechEvent] = []
        var sentences: [SpeechEvent] = []
        var sampleRate = 22050
    }

    private static let lock = Mutex(())
    /// The callback has no context pointer of its own: it writes here, under `lock`.
    nonisolated(unsafe) private static var collector = Collector()
    nonisolated(unsafe) private static var initializedRate: Int32 = 0

    /// Speaks `text` with an espeak-ng voice (`en-us`, `en-us+f3` for a female variant…)
    /// at `wordsPerMinute`.
    public static func synthesize(_ text: String, voice: String = "en-us", wordsPerMinute: Int = 165) throws -> SynthesizedSpeech {
        try synthesizeEach([text], voice: voice, wordsPerMinute: wordsPerMinute)[0]
    }

    /// Speaks each text on its own (a sentence each, say), holding the lock once for all of
    /// them; each result's samples and events start at 0.
    public static func synthesizeEach(_ texts: [String], voice: String = "en-us", wordsPerMinute: Int = 165) throws -> [SynthesizedSpeech] {
        try lock.withLock { _ in
            try initialize()
            guard espeak_SetVoiceByName(voice) == EE_OK else {
                throw Failure(description: "espeak-ng has no voice \"\(voice)\"")
            }
            espeak_SetParameter(espeakRATE, Int32(wordsPerMinute), 0)
            return try texts.map { try speak($0) }
        }
    }

    /// One synthesis; the caller holds `lock`.
    private static func speak(_ text: String) throws -> SynthesizedSpeech {
        collector = Collector(sampleRate: Int(initializedRate))
        defer { collector = Collector() }
        let bytes = Array(text.utf8) + [0]
        let result = bytes.withUnsafeBytes { buffer in
            espeak_Synth(buffer.baseAddress, buffer.count, 0, POS_CHARACTER, 0,
                         swift_espeakCHARS_UTF8 | UInt32(espeakENDPAUSE), nil, nil)
        }
        guard result == EE_OK else { throw Failure(description: "espeak-ng could not synthesise the text (error \(result.rawValue))") }
        espeak_Synchronize()
        let done = collector
        return SynthesizedSpeech(sampleRate: done.sampleRate, samples: done.samples, words: done.words, sentences: done.sentences)
    }

    private static func initialize() throws {
        guard initializedRate == 0 else { return }
        let rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nil, 0)
        guard rate > 0 else { throw Failure(description: "espeak-ng could not start (is espeak-ng-data installed?)") }
        initializedRate = rate
        espeak_SetSynthCallback(synthCallback)
    }

    fileprivate static func append(_ wave: UnsafeMutablePointer<Int16>?, count: Int32, events: UnsafeMutablePointer<espeak_EVENT>?) {
        if let wave, count > 0 {
            collector.samples.append(contentsOf: UnsafeBufferPointer(start: wave, count: Int(count)).lazy.map { Float($0) / 32768 })
        }
        var event = events
        while let current = event, current.pointee.type != espeakEVENT_LIST_TERMINATED {
            // `sample` counts samples from the start of this synthesis; `audio_position` is
            // the same place rounded to milliseconds.
            let item = SpeechEvent(textPosition: Int(current.pointee.text_position), length: Int(current.pointee.length),
                                   sample: Int(current.pointee.sample))
            if current.pointee.type == espeakEVENT_WORD { collector.words.append(item) }
            if current.pointee.type == espeakEVENT_SENTENCE { collector.sentences.append(item) }
            event = current + 1
        }
    }
}

private let synthCallback: @convention(c) (UnsafeMutablePointer<Int16>?, Int32, UnsafeMutablePointer<espeak_EVENT>?) -> Int32 = {
    SpeechSynthesizer.append($0, count: $1, events: $2)
    return 0
}
