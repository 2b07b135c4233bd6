/// Escaping of text placed in the report's HTML and SVG: every string that comes from outside (stage names,
/// config values, captions, metric keys) goes through here, so none of it can open a tag or an attribute.
enum HTMLText {
    /// Text content and attribute values (double-quoted) alike.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab and newline are not allowed in HTML text.
                if ch.value < 0x20 && ch != "\t" && ch != "\n" { out += " " } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// A fragment identifier made of the name's letters and digits (`Stage A1 (MBM)` → `stage-a1-mbm`).
    static func anchor(_ name: String, index: Int) -> String {
        let words = name.lowercased().unicodeScalars.split { !(("a"..."z").contains($0) || ("0"..."9").contains($0)) }
        let slug = words.map { String(String.UnicodeScalarView($0)) }.joined(separator: "-")
        return "s\(index)" + (slug.isEmpty ? "" : "-" + slug)
    }
}
