/// What HeyGen Avatar IV on Segmind accepts (the API card and HeyGen's documented limits),
/// and what it costs. One place, so checks, preparation and the client agree.
public enum ServiceLimits {
    public static let photoMinSide = 512
    /// The long side must stay under this; larger photos are downscaled before upload.
    public static let photoMaxLongSide = 2048
    public static let maxFileBytes: Int64 = 50 * 1024 * 1024
    public static let audioMaxSeconds = 600.0
    public static let scriptMaxCharacters = 5000
    public static let photoFormats = ["png", "jpeg"]
    /// libavformat container names the service takes as audio.
    public static let audioContainers = ["wav", "mp3"]
    /// The card's price of one call, USD. HeyGen bills by output second; the card quotes
    /// about this much for a typical call. `--price` overrides it.
    public static let defaultPricePerCallUSD = 2.216
    /// The card's typical render time, seconds.
    public static let typicalRenderSeconds = 195.48
}
