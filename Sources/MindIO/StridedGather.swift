import Foundation

/// Element-layout transforms shared by the torch reader (tensor views over storages) and the numpy
/// readers (Fortran order, big-endian data). Callers validate shapes, strides and bounds first; these
/// functions only move bytes.

/// Copies the elements of the strided view (`shape`, `strides` and `offset` in elements) of `source`
/// into a new C-ordered buffer. Requires every addressed element to lie inside `source`.
func gatherStrided(_ source: UnsafeRawBufferPointer, elementSize: Int, shape: [Int], strides: [Int],
                   offset: Int) -> [UInt8] {
    let numel = shape.reduce(1, *)
    let byteCount = numel * elementSize
    return [UInt8](unsafeUninitializedCapacity: byteCount) { output, initialized in
        initialized = byteCount
        guard numel > 0, let sourceBase = source.baseAddress, let outputBase = output.baseAddress else { return }
        let destination = UnsafeMutableRawPointer(outputBase)
        guard let innerCount = shape.last, let innerStride = strides.last else {
            destination.copyMemory(from: sourceBase + offset * elementSize, byteCount: elementSize)
            return
        }
        let outerRank = shape.count - 1
        var counters = [Int](repeating: 0, count: outerRank)
        var rowStart = offset
        var written = 0
        while true {
            copyRow(from: sourceBase + rowStart * elementSize, stride: innerStride, count: innerCount,
                    elementSize: elementSize, to: destination + written)
            written += innerCount * elementSize
            // Odometer over the outer dimensions, last one fastest.
            var dimension = outerRank - 1
            while dimension >= 0 {
                counters[dimension] += 1
                rowStart += strides[dimension]
                if counters[dimension] < shape[dimension] { break }
                rowStart -= strides[dimension] * shape[dimension]
                counters[dimension] = 0
                dimension -= 1
            }
            if dimension < 0 { return }
        }
    }
}

@inline(__always)
private func copyRow(from source: UnsafeRawPointer, stride: Int, count: Int, elementSize: Int,
                     to destination: UnsafeMutableRawPointer) {
    if stride == 1 {
        destination.copyMemory(from: source, byteCount: count * elementSize)
        return
    }
    switch elementSize {
    case 1: copyStrided(UInt8.self, from: source, stride: stride, count: count, to: destination)
    case 2: copyStrided(UInt16.self, from: source, stride: stride, count: count, to: destination)
    case 4: copyStrided(UInt32.self, from: source, stride: stride, count: count, to: destination)
    case 8: copyStrided(UInt64.self, from: source, stride: stride, count: count, to: destination)
    default:
        for index in 0..<count {
            (destination + index * elementSize).copyMemory(from: source + index * stride * elementSize, byteCount: elementSize)
        }
    }
}

@inline(__always)
private func copyStrided<Word: FixedWidthInteger>(_ type: Word.Type, from source: UnsafeRawPointer, stride: Int,
                                                  count: Int, to destination: UnsafeMutableRawPointer) {
    let size = MemoryLayout<Word>.size
    for index in 0..<count {
        let word = source.loadUnaligned(fromByteOffset: index * stride * size, as: Word.self)
        destination.storeBytes(of: word, toByteOffset: index * size, as: Word.self)
    }
}

/// Strides (in elements) of a Fortran-ordered (column-major) array of `shape`.
func fortranStrides(_ shape: [Int]) -> [Int] {
    var strides: [Int] = []
    strides.reserveCapacity(shape.count)
    var step = 1
    for dimension in shape {
        strides.append(step)
        step *= max(dimension, 1)
    }
    return strides
}

/// Reverses the byte order of every `elementSize`-byte element in place (big-endian sources).
func byteSwapElements(_ bytes: inout [UInt8], elementSize: Int) {
    guard elementSize > 1 else { return }
    bytes.withUnsafeMutableBytes { raw in
        var start = 0
        while start + elementSize <= raw.count {
            var low = start
            var high = start + elementSize - 1
            while low < high {
                raw.swapAt(low, high)
                low += 1
                high -= 1
            }
            start += elementSize
        }
    }
}
