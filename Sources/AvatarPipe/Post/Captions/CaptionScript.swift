import Foundation

/// A script cut into sentences and words, as captions need it: each word keeps the text it
/// is shown with, the sentence it belongs to, where it sits in that sentence's text (the
/// offsets espeak-ng reports its word events in), and an estimate of its syllables.
public struct CaptionScript: Sendable, Equatable {
    public struct Word: Sendable, Equatable {
        /// As shown, punctuation included.
        public var text: String
        public var sentence: Int
        /// Unicode-scalar offsets of the word inside its sentence's text.
        public var offset: Int
        public var length: Int
        public var syllables: Int
        /// A piece of a word too long for one line (a URL…): pieces after the first continue
        /// the same spoken word and share its timing.
        public var continuesWord = false
    }

    public struct Sentence: Sendable, Equatable {
        /// What is spoken: the sentence's words joined by single spaces.
        public var text: String
        public var words: Range<Int>
    }

    public var sentences: [Sentence] = []
    public var words: [Word] = []

    public var isEmpty: Bool { words.isEmpty }

    /// Cuts `text` into sentences: after . ! ? … (not after abbreviations such as "Dr." or
    /// "e.g.", initials, or when the next word starts in lower case), and at blank lines.
    /// Words longer than `maxWordLength` are cut into pieces that fit a line.
    public init(_ text: String, maxWordLength: Int = 42) {
        for paragraph in CaptionScript.paragraphs(of: text) {
            let tokens = paragraph.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            var current: [String] = []
            for (index, token) in tokens.enumerated() {
                current.append(token)
                let next = index + 1 < tokens.count ? tokens[index + 1] : nil
                if next == nil || CaptionScript.endsSentence(token, next: next) {
                    appendSentence(current, maxWordLength: maxWordLength)
                    current = []
                }
            }
        }
    }

    private mutating func appendSentence(_ tokens: [String], maxWordLength: Int) {
        guard !tokens.isEmpty else { return }
        let text = tokens.joined(separator: " ")
        let first = words.count
        var offset = 0
        for token in tokens {
            let length = token.unicodeScalars.count
            let syllables = CaptionScript.syllables(in: token)
            let pieces = CaptionScript.pieces(of: token, maxLength: maxWordLength)
            for (index, piece) in pieces.enumerated() {
                words.append(Word(text: piece, sentence: sentences.count, offset: offset, length: length,
                                  syllables: index == 0 ? syllables : 0, continuesWord: index > 0))
            }
            offset += length + 1
        }
        sentences.append(Sentence(text: text, words: first..<words.count))
    }

    // MARK: Sentences

    /// Blank lines separate paragraphs; a paragraph always ends a sentence.
    static func paragraphs(of text: String) -> [String] {
        var paragraphs: [String] = []
        var current = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                if !current.isEmpty { paragraphs.append(current) }
                current = ""
            } else {
                current += (current.isEmpty ? "" : " ") + line
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        return paragraphs
    }

    /// Abbreviations after which a full stop does not end a sentence, whatever follows.
    static let titles: Set<String> = [
        "dr", "mr", "mrs", "ms", "messrs", "prof", "st", "sr", "jr", "mt", "vs", "e.g", "i.e", "eg", "ie", "cf",
        "approx", "capt", "sgt", "lt", "gov", "sen", "dept", "viz", "figs",
    ]
    /// Abbreviations that are also words ("no", "p"), or may end a sentence: not an ending
    /// before a number ("No. 5", "fig. 3").
    static let numberAbbreviations: Set<String> = ["no", "nos", "p", "pp", "vol", "fig", "ch", "sec", "art"]

    static func endsSentence(_ token: String, next: String?) -> Bool {
        let stripped = token.trimmingCharacters(in: CharacterSet(charactersIn: "\"'”’)]»"))
        guard let last = stripped.last, ".!?…".contains(last) || stripped.hasSuffix("...") else { return false }
        guard let next else { return true }
        let word = stripped.trimmingCharacters(in: CharacterSet(charactersIn: "\"'“‘([«")).lowercased()
        let nextStart = next.trimmingCharacters(in: CharacterSet(charactersIn: "\"'“‘([«¿¡")).first
        // "…the U.S. government", "Wait... what": a lower-case start continues the sentence.
        if let nextStart, nextStart.isLowercase { return false }
        guard last == "." else { return true }
        let bare = String(word.dropLast())
        if titles.contains(bare) { return false }
        if numberAbbreviations.contains(bare), let nextStart, nextStart.isNumber { return false }
        // An initial ("J. K. Rowling"), but not the word "I".
        if bare.count == 1, bare != "i", let letter = stripped.first, letter.isLetter, letter.isUppercase { return false }
        // Other abbreviations ("etc.", "U.S.") end a sentence before a capital, as words do.
        return true
    }

    // MARK: Words

    /// Cuts a word longer than a line into pieces of at most `maxLength` characters.
    static func pieces(of token: String, maxLength: Int) -> [String] {
        guard token.count > maxLength, maxLength > 1 else { return [token] }
        var pieces: [String] = []
        var rest = Substring(token)
        while rest.count > maxLength {
            pieces.append(String(rest.prefix(maxLength)))
            rest = rest.dropFirst(maxLength)
        }
        if !rest.isEmpty { pieces.append(String(rest)) }
        return pieces
    }

    /// An estimate of spoken syllables: vowel groups for words, about one and a half per digit
    /// for numbers, one or two for symbols that are read out.
    public static func syllables(in token: String) -> Int {
        var count = 0
        var digits = 0
        var letters = ""
        for character in token.lowercased() {
            if character.isNumber {
                digits += 1
            } else if character.isLetter {
                letters.append(character)
            } else if "%$€£&@+=#".contains(character) {
                count += 2
            }
        }
        if digits > 0 { count += max(1, (digits * 3 + 1) / 2) }
        if !letters.isEmpty { count += vowelGroups(letters) }
        return max(count, 1)
    }

    private static func vowelGroups(_ word: String) -> Int {
        let vowels: Set<Character> = ["a", "e", "i", "o", "u", "y", "à", "á", "â", "ä", "é", "è", "ê", "ë", "í", "ï", "î", "ó", "ô", "ö", "ú", "ü", "û"]
        var groups = 0
        var previousVowel = false
        for character in word {
            let vowel = vowels.contains(character)
            if vowel && !previousVowel { groups += 1 }
            previousVowel = vowel
        }
        // A silent final e ("make"), but not "-le" ("table") or a word that is only "e"s.
        let characters = Array(word)
        if groups > 1, characters.last == "e", characters.count >= 3, characters[characters.count - 2] != "l",
           !vowels.contains(characters[characters.count - 2]) {
            groups -= 1
        }
        if groups == 0 {
            // Acronyms without vowels ("BBC", "HTML") are spelt out.
            return max(1, word.count)
        }
        return groups
    }
}
