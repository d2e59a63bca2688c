/// Pictures of one size laid out in a grid, row by row, on a single image (a sprite sheet).
public enum ImageGrid {
    /// Where tile `index` sits in a grid of `columns` columns of `tileWidth`×`tileHeight` tiles.
    public static func origin(of index: Int, columns: Int, tileWidth: Int, tileHeight: Int) -> (x: Int, y: Int) {
        ((index % columns) * tileWidth, (index / columns) * tileHeight)
    }

    /// `tiles` (all `tileWidth`×`tileHeight`) in `columns` columns; cells left over in the
    /// last row are filled with `background`.
    public static func compose(_ tiles: [RGBAImage], columns: Int, tileWidth: Int, tileHeight: Int,
                               background: (r: UInt8, g: UInt8, b: UInt8, a: UInt8) = (0, 0, 0, 255)) throws -> RGBAImage {
        guard columns > 0, tileWidth > 0, tileHeight > 0, !tiles.isEmpty else {
            throw MediaError(.corrupt, path: "", "cannot lay out \(tiles.count) tiles of \(tileWidth)×\(tileHeight) in \(columns) columns")
        }
        for tile in tiles where tile.width != tileWidth || tile.height != tileHeight {
            throw MediaError(.corrupt, path: "", "a \(tile.width)×\(tile.height) tile in a grid of \(tileWidth)×\(tileHeight) tiles")
        }
        let usedColumns = min(columns, tiles.count)
        let rows = (tiles.count + columns - 1) / columns
        var sheet = RGBAImage(width: usedColumns * tileWidth, height: rows * tileHeight, fill: background)
        let rowBytes = tileWidth * 4
        let sheetRowBytes = sheet.width * 4
        sheet.pixels.withUnsafeMutableBufferPointer { target in
            for (index, tile) in tiles.enumerated() {
                let (x, y) = origin(of: index, columns: columns, tileWidth: tileWidth, tileHeight: tileHeight)
                tile.pixels.withUnsafeBufferPointer { source in
                    for row in 0..<tileHeight {
                        let from = row * rowBytes
                        let to = (y + row) * sheetRowBytes + x * 4
                        for i in 0..<rowBytes { target[to + i] = source[from + i] }
                    }
                }
            }
        }
        return sheet
    }
}
