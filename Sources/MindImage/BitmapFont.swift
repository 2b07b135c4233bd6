/// A 5×7 pixel font for labels in figures (titles, axis labels, tick values): printable ASCII letters, digits and
/// common punctuation; any other character draws as `?`. Each glyph is 35 bits, rows top to bottom, 5 bits per row
/// with the leftmost pixel in the highest bit.
enum BitmapFont {
    static let glyphWidth = 5
    static let glyphHeight = 7
    /// Horizontal advance per character in font pixels (one column of spacing).
    static let advance = 6

    private static let glyphs: [Character: UInt64] = [
        " ": 0x000000000,
        "!": 0x108421004,
        "\"": 0x294A00000,
        "#": 0x295F57D4A,
        "%": 0x632222263,
        "'": 0x108800000,
        "(": 0x088842082,
        ")": 0x208210888,
        "*": 0x009575480,
        "+": 0x0084F9080,
        ",": 0x000003088,
        "-": 0x0000F8000,
        ".": 0x00000018C,
        "/": 0x042222210,
        "0": 0x3A33AE62E,
        "1": 0x11842108E,
        "2": 0x3A211111F,
        "3": 0x7C441062E,
        "4": 0x08CA97C42,
        "5": 0x7E1E0862E,
        "6": 0x1910F462E,
        "7": 0x7C2222108,
        "8": 0x3A317462E,
        "9": 0x3A317844C,
        ":": 0x018C03180,
        ";": 0x018C03088,
        "<": 0x088882082,
        "=": 0x001F07C00,
        ">": 0x208208888,
        "?": 0x3A2111004,
        "A": 0x3A31FC631,
        "B": 0x7A31F463E,
        "C": 0x3A308422E,
        "D": 0x72518C65C,
        "E": 0x7E10F421F,
        "F": 0x7E10F4210,
        "G": 0x3A30BC62F,
        "H": 0x4631FC631,
        "I": 0x38842108E,
        "J": 0x1C4210A4C,
        "K": 0x4654C5251,
        "L": 0x42108421F,
        "M": 0x4775AC631,
        "N": 0x4639ACE31,
        "O": 0x3A318C62E,
        "P": 0x7A31F4210,
        "Q": 0x3A318D64D,
        "R": 0x7A31F5251,
        "S": 0x3E107043E,
        "T": 0x7C8421084,
        "U": 0x46318C62E,
        "V": 0x46318C544,
        "W": 0x4631AD6AA,
        "X": 0x462A22A31,
        "Y": 0x462A21084,
        "Z": 0x7C222221F,
        "[": 0x39084210E,
        "]": 0x38421084E,
        "_": 0x00000001F,
        "a": 0x000E0BE2F,
        "b": 0x4216CC63E,
        "c": 0x000E8422E,
        "d": 0x042D9C62F,
        "e": 0x000E8FE0E,
        "f": 0x1928E2108,
        "g": 0x01F18BC2E,
        "h": 0x4216CC631,
        "i": 0x100C2108E,
        "j": 0x080610A4C,
        "k": 0x4212A6292,
        "l": 0x30842108E,
        "m": 0x001AAD631,
        "n": 0x0016CC631,
        "o": 0x000E8C62E,
        "p": 0x03D18FA10,
        "q": 0x01B38BC21,
        "r": 0x0016CC210,
        "s": 0x000E8383E,
        "t": 0x211C42126,
        "u": 0x00118C66D,
        "v": 0x00118C544,
        "w": 0x00118D6AA,
        "x": 0x001151151,
        "y": 0x02317862E,
        "z": 0x001F1111F,
        "|": 0x108421084,
    ]

    /// Width in image pixels of `text` drawn at `scale`.
    static func width(of text: String, scale: Int) -> Int {
        text.isEmpty ? 0 : (text.count * advance - 1) * scale
    }

    static var height: Int { glyphHeight }

    /// Calls `plot(x, y)` for every lit pixel of `text` with its top-left corner at (x, y), `scale` pixels per
    /// font pixel.
    static func rasterize(_ text: String, x: Int, y: Int, scale: Int, _ plot: (Int, Int) -> Void) {
        var left = x
        for character in text {
            let bits = glyphs[character] ?? glyphs["?"]!
            for row in 0..<glyphHeight {
                for column in 0..<glyphWidth where bits >> UInt64((glyphHeight - 1 - row) * glyphWidth + (glyphWidth - 1 - column)) & 1 == 1 {
                    for dy in 0..<scale {
                        for dx in 0..<scale { plot(left + column * scale + dx, y + row * scale + dy) }
                    }
                }
            }
            left += advance * scale
        }
    }
}
