import AvatarMedia
import Foundation

/// Speech for a script-only render, made locally: the preview and the sandbox speak the
/// script with libespeak-ng in a voice of the requested voice's gender, written as a WAV in
/// the job's input/ (named by a hash of the text and voice, so it is made once).
public enum ScriptSpeech {
    public static func wav(for script: String, voiceID: String?, in directory: String) throws -> String {
        let voice = espeakVoice(for: voiceID)
        let key = FileHash.sha256("tts-v1|\(voice)|\(script)")
        let path = (directory as NSString).appendingPathComponent("tts-\(key.prefix(16)).wav")
        if FileManager.default.fileExists(atPath: path) { return path }
        let speech = try SpeechSynthesizer.synthesize(script, voice: voice)
        let writer = try AudioFileWriter(path: path, container: .wav, sampleRate: speech.sampleRate, channels: 1)
        try speech.samples.withUnsafeBufferPointer { try writer.write([$0], frames: speech.samples.count) }
        try writer.finish()
        return path
    }

    /// espeak-ng's US English voice, in its female variant for the card's female voices.
    public static func espeakVoice(for voiceID: String?) -> String {
        let gender = VoiceCatalog.voices.first { $0.id == (voiceID ?? VoiceCatalog.defaultID) }?.gender
        return gender == "female" ? "en-us+f3" : "en-us"
    }
}
