import CFFmpeg

/// The filter graph that turns a clip into 8-bit palette frames for a GIF: the frames are
/// split, one branch builds one palette for the whole clip (palettegen), the other is mapped
/// onto it (paletteuse, ordered dithering, only the changed rectangle redrawn). palettegen
/// emits its palette at the end of its input, so the frames come out after `push(nil)`.
enum PaletteGraph {
    static func make(width: Int, height: Int, pixelFormat: AVPixelFormat, timeBase: AVRational, colors: Int) throws -> VideoFilterGraph {
        // Only numbers go into this description, so it needs no escaping.
        let count = min(256, max(2, colors))
        let description = "split[frames][stats];[stats]palettegen=max_colors=\(count):stats_mode=diff[palette];"
            + "[frames][palette]paletteuse=dither=bayer:bayer_scale=4:diff_mode=rectangle,format=pal8"
        return try VideoFilterGraph(width: Int32(width), height: Int32(height), pixelFormat: pixelFormat, timeBase: timeBase,
                                    description: description)
    }
}
