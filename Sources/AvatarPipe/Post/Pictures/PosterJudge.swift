import AvatarMedia

/// One frame considered for the poster.
struct PosterCandidate: Sendable {
    var time: Double
    var gray: GrayImage
    var measures: FrameMeasures
    var speechLevel: Double?
    var mouthRest: Double?
    /// Taken outside the speech: considered only when every candidate of the speech is flat.
    var isBackup: Bool
    /// Set once the face search ran on this candidate.
    var faces: FaceAndEyes.Found?

    init(frame: VideoFrame, speech: SpeechLevels?, backup: Bool = false) {
        time = frame.time
        isBackup = backup
        gray = GrayImage(frame.image)
        measures = FrameMeasures(image: frame.image, gray: gray)
        speechLevel = speech.map { $0.level(at: frame.time) }
        mouthRest = speech.map { $0.mouthRest(at: frame.time) }
    }
}

/// Chooses the poster among candidate frames. Flat frames (black, white, one colour) are out
/// while anything else is there. The rest are scored on sharpness, exposure, typicality (how
/// close the colour histogram is to the candidates' mean, like FFmpeg's thumbnail filter) and
/// mouth at rest (low speech level at that instant); the best few by those cheap measures
/// get the face and eye search, and the best of them by the full score wins.
enum PosterJudge {
    struct Weights: Sendable {
        var face = 3.0
        var sharpness = 2.0
        var exposure = 1.5
        var typicality = 1.5
        var mouthRest = 1.0
        var eyes = 1.0
    }

    static let weights = Weights()

    /// The index of the chosen candidate and every candidate's score (in the candidates' order).
    static func choose(_ candidates: inout [PosterCandidate], faceSearches: Int,
                       search: (GrayImage) -> FaceAndEyes.Found?) -> (index: Int, scores: [PosterScore]) {
        precondition(!candidates.isEmpty, "no poster candidates")
        let clear = candidates.indices.filter { !candidates[$0].measures.flat }
        let primary = clear.filter { !candidates[$0].isBackup }
        let pool = !primary.isEmpty ? primary : !clear.isEmpty ? clear : Array(candidates.indices)
        let context = Context(candidates, pool: pool)

        let cheapTotals = Dictionary(uniqueKeysWithValues: pool.map { ($0, context.score(candidates[$0]).total) })
        let ranked = pool.sorted { (cheapTotals[$0] ?? 0, -$0) > (cheapTotals[$1] ?? 0, -$1) }
        let finalists = Array(ranked.prefix(max(1, faceSearches)))
        for index in finalists {
            candidates[index].faces = search(candidates[index].gray)
        }
        let scores = candidates.map { context.score($0) }
        let best = finalists.max { a, b in
            scores[a].total < scores[b].total || (scores[a].total == scores[b].total && a > b)
        } ?? finalists[0]
        return (best, scores)
    }

    /// What the scores are relative to: the sharpest candidate and the mean histogram.
    struct Context {
        var maxLaplacian: Double
        var meanHistogram: [Float]
        var distances: (min: Double, max: Double)

        init(_ candidates: [PosterCandidate], pool: [Int]) {
            maxLaplacian = pool.map { candidates[$0].measures.laplacianVariance }.max() ?? 0
            var mean = [Float](repeating: 0, count: 768)
            for index in pool {
                for (bin, value) in candidates[index].measures.histogram.enumerated() { mean[bin] += value }
            }
            let share = 1 / Float(max(1, pool.count))
            meanHistogram = mean.map { $0 * share }
            let all = pool.map { FrameMeasures.distance(candidates[$0].measures.histogram, mean.map { $0 * share }) }
            distances = (all.min() ?? 0, all.max() ?? 0)
        }

        func score(_ candidate: PosterCandidate) -> PosterScore {
            let measures = candidate.measures
            let distance = FrameMeasures.distance(measures.histogram, meanHistogram)
            // Differences between nearly identical frames are noise, not a reason to prefer one.
            let spread = distances.max - distances.min
            let typicality = spread > 1e-5 ? min(1, max(0, 1 - (distance - distances.min) / spread)) : 1
            let sharpness = maxLaplacian > 0 ? min(1, measures.laplacianVariance / maxLaplacian) : 0
            let found = candidate.faces
            var face: Double?
            var eyes: Double?
            var exposure = FrameMeasures.exposureScore(candidate.gray)
            if let found {
                if let box = found.face {
                    // A face under an eighth of the frame's height barely counts.
                    face = box.height * 8 >= candidate.gray.height ? 1 : 0.5
                    exposure = FrameMeasures.exposureScore(candidate.gray.cropped(to: box))
                } else {
                    face = 0
                }
                eyes = found.eyeCount.map { Double($0) / 2 }
            }
            let w = PosterJudge.weights
            let parts: [(Double?, Double)] = [(face, w.face), (sharpness, w.sharpness), (exposure, w.exposure),
                                              (typicality, w.typicality), (candidate.mouthRest, w.mouthRest), (eyes, w.eyes)]
            var sum = 0.0, weight = 0.0
            for case let (value?, partWeight) in parts {
                sum += value * partWeight
                weight += partWeight
            }
            let total = measures.flat ? 0 : (weight > 0 ? sum / weight : 0)
            return PosterScore(total: total, flat: measures.flat, sharpness: sharpness, exposure: exposure, typicality: typicality,
                               face: face, eyes: eyes, mouthRest: candidate.mouthRest,
                               meanLuma: measures.meanLuma, lumaDeviation: measures.lumaDeviation,
                               laplacianVariance: measures.laplacianVariance, histogramDistance: distance,
                               faceCount: found?.faceCount, eyeCount: found?.eyeCount, speechLevelDBFS: candidate.speechLevel)
        }
    }
}
