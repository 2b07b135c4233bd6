/// Decoding of pickle's LONG1/LONG4 payloads: little-endian two's complement integers of any length.
enum PythonLong {
    /// Longer payloads are refused: decimal conversion is quadratic and no checkpoint needs them.
    static let maxBytes = 4096

    static func decode(_ bytes: UnsafeRawBufferPointer, context: String) throws -> PickleValue {
        guard bytes.count <= maxBytes else {
            throw MindIOError("\(context): integer of \(bytes.count) bytes exceeds the \(maxBytes)-byte limit")
        }
        guard let last = bytes.last else { return .int(0) }
        let negative = last & 0x80 != 0
        if bytes.count <= 8 {
            var value: UInt64 = negative ? ~0 : 0
            for (index, byte) in bytes.enumerated() {
                value &= ~(UInt64(0xFF) << (8 * UInt64(index)))
                value |= UInt64(byte) << (8 * UInt64(index))
            }
            return .int(Int64(bitPattern: value))
        }
        // Magnitude of the two's complement value, as little-endian bytes.
        var magnitude = [UInt8](bytes)
        if negative {
            var carry = 1
            for index in magnitude.indices {
                let sum = Int(~magnitude[index]) + carry
                magnitude[index] = UInt8(truncatingIfNeeded: sum)
                carry = sum >> 8
            }
        }
        if let small = smallValue(magnitude: magnitude, negative: negative) {
            return .int(small)
        }
        return .bigInt((negative ? "-" : "") + decimalText(magnitude: magnitude))
    }

    /// The value when it fits Int64 despite a long encoding (e.g. sign padding).
    private static func smallValue(magnitude: [UInt8], negative: Bool) -> Int64? {
        guard magnitude.dropFirst(8).allSatisfy({ $0 == 0 }) else { return nil }
        var value: UInt64 = 0
        for (index, byte) in magnitude.prefix(8).enumerated() {
            value |= UInt64(byte) << (8 * UInt64(index))
        }
        if negative {
            return value <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- value) : nil
        }
        return value <= UInt64(Int64.max) ? Int64(value) : nil
    }

    /// Schoolbook conversion by repeated division by 10^9 over 32-bit limbs.
    private static func decimalText(magnitude: [UInt8]) -> String {
        var limbs: [UInt32] = stride(from: 0, to: magnitude.count, by: 4).map { start in
            var limb: UInt32 = 0
            for offset in 0..<min(4, magnitude.count - start) {
                limb |= UInt32(magnitude[start + offset]) << (8 * UInt32(offset))
            }
            return limb
        }
        var chunks: [UInt32] = []
        while true {
            while let top = limbs.last, top == 0 {
                limbs.removeLast()
            }
            if limbs.isEmpty { break }
            var remainder: UInt64 = 0
            for index in stride(from: limbs.count - 1, through: 0, by: -1) {
                let current = remainder << 32 | UInt64(limbs[index])
                limbs[index] = UInt32(current / 1_000_000_000)
                remainder = current % 1_000_000_000
            }
            chunks.append(UInt32(remainder))
        }
        guard let mostSignificant = chunks.last else { return "0" }
        var text = String(mostSignificant)
        for chunk in chunks.dropLast().reversed() {
            let digits = String(chunk)
            text += String(repeating: "0", count: 9 - digits.count) + digits
        }
        return text
    }
}
