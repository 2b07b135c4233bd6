import XCTest
@testable import MindTensor

/// Every mistake a caller can make is a TensorError naming the op and the shapes, never a trap.
final class ErrorTests: XCTestCase {
    func testShapeMismatches() throws {
        let a = try Tensor.zeros([4, 3]), b = try Tensor.zeros([5, 2])
        assertThrows(["matmul: [4, 3] x [5, 2]: inner sizes 3 and 5 differ"]) { _ = try a.matmul(b) }
        assertThrows(["add", "[4, 3]", "[5, 2]", "cannot be broadcast"]) { _ = try a + b }
        assertThrows(["linear", "[4, 3]", "[2, 5]"]) { _ = try a.linear(weight: Tensor.zeros([2, 5]), bias: nil) }
        assertThrows(["conv2d", "input channels"]) { _ = try Tensor.zeros([1, 2, 4, 4]).conv2d(weight: Tensor.zeros([1, 3, 3, 3]), bias: nil) }
        assertThrows(["conv2d", "larger than the padded input"]) { _ = try Tensor.zeros([1, 3, 2, 2]).conv2d(weight: Tensor.zeros([1, 3, 3, 3]), bias: nil) }
        assertThrows(["cat", "tensor #2", "outside the concatenated dimension"]) { _ = try Tensor.cat([a, b], dim: 0) }
        assertThrows(["reshape", "[4, 3]", "[5, -1]"]) { _ = try a.reshape([5, -1]) }
        assertThrows(["mse_loss", "differ in shape"]) { _ = try a.mseLoss(b) }
        assertThrows(["group_norm", "groups"]) { _ = try Tensor.zeros([1, 6, 2]).groupNorm(groups: 4, weight: nil, bias: nil) }
        assertThrows(["attention", "divisible"]) { _ = try Tensor.selfAttention(qkv: Tensor.zeros([1, 2, 15]), heads: 2) }
        assertThrows(["tensor", "needs 6 values, got 5"]) { _ = try Tensor([1, 2, 3, 4, 5], shape: [2, 3]) }
    }

    func testBadDimensionsAndIndices() throws {
        let a = try Tensor.zeros([2, 3])
        assertThrows(["sum: dimension 2 is out of range for a tensor with 2 dimensions"]) { _ = try a.sum(2) }
        assertThrows(["transpose", "out of range"]) { _ = try a.transpose(0, -3) }
        assertThrows(["narrow", "do not fit"]) { _ = try a.narrow(1, start: 2, length: 2) }
        assertThrows(["select", "index 5"]) { _ = try a.select(0, 5) }
        assertThrows(["gather", "not an integer in [0, 3)"]) { _ = try a.gather(1, index: Tensor([3, 0], shape: [2, 1])) }
        assertThrows(["index_select", "1.5"]) { _ = try a.indexSelect(1, index: Tensor([1.5])) }
        assertThrows(["permute", "repeated"]) { _ = try a.permute([0, 0]) }
        assertThrows(["value", "out of range"]) { _ = try a.value(at: [2, 0]) }
    }

    func testEmptyHugeAndNegativeSizes() throws {
        let empty = try Tensor.zeros([0, 3])
        assertThrows(["mean", "empty"]) { _ = try empty.mean() }
        assertThrows(["max", "empty"]) { _ = try empty.max(0) }
        assertThrows(["item", "0 elements"]) { _ = try empty.item() }
        XCTAssertEqual(try empty.sum().item(), 0)
        XCTAssertEqual(try Tensor.zeros([2, 0]).toArray(), [])
        XCTAssertTrue(try Tensor.zeros([3, 0, 2]).transpose(0, 2).isContiguous, "an empty view has nothing out of order")
        XCTAssertEqual(try empty.matmul(Tensor.zeros([3, 2])).shape, [0, 2])
        assertThrows(["negative size -2"]) { _ = try Tensor.zeros([3, -2]) }
        assertThrows(["too many elements"]) { _ = try Tensor.zeros([1 << 30, 1 << 30]) }
        assertThrows(["too many elements"]) { _ = try Tensor.zeros([Int.max, 2]) }
        assertThrows(["9 dimensions"]) { _ = try Tensor.zeros(Array(repeating: 1, count: 9)) }
        assertThrows(["expand", "too many elements"]) { _ = try Tensor.zeros([1]).expand([1 << 41]) }
        assertThrows(["arange", "finite"]) { _ = try Tensor.arange(0, .infinity) }
        assertThrows(["softmax", "empty"]) { _ = try Tensor.zeros([2, 0]).softmax(1) }
        assertThrows(["clamp", "greater than max"]) { _ = try Tensor.zeros([1]).clamp(min: 2, max: 1) }
    }
}

final class ByteCountTests: XCTestCase {
    func testSizesReadLikeAPerson() {
        XCTAssertEqual(ByteCount.describe(900), "900 bytes")
        XCTAssertEqual(ByteCount.describe(1536), "1.5 KiB")
        XCTAssertEqual(ByteCount.describe(3 << 20), "3.0 MiB")
        XCTAssertEqual(ByteCount.describe(12 << 30), "12.0 GiB")
    }

    /// 2^45 floats (128 TiB) exceed the address space of any machine this runs on, whatever the overcommit policy:
    /// the error says how much in binary units.
    func testOutOfMemoryNamesTheSizeInBinaryUnits() throws {
        XCTAssertThrowsError(try CachingAllocator.shared.allocate(count: 1 << 45)) { error in
            XCTAssertTrue("\(error)".contains("out of memory: cannot allocate 128.0 TiB for a tensor of 35184372088832 elements"), "\(error)")
        }
    }

    /// The check before a large Swift array: an impossible size is an error naming what it was for, a possible one
    /// passes (and leaves nothing allocated).
    func testMemoryCheckRefusesWhatCannotBeAllocated() throws {
        XCTAssertThrowsError(try MemoryCheck.ensureAvailable(bytes: 1 << 47, for: "the test's images")) { error in
            XCTAssertTrue("\(error)".hasPrefix("out of memory: cannot allocate 128.0 TiB for the test's images"), "\(error)")
        }
        XCTAssertNoThrow(try MemoryCheck.ensureAvailable(bytes: MemoryCheck.threshold, for: "a buffer"))
    }

    /// A request the address space allows but the machine's free memory does not (which malloc grants under Linux's
    /// overcommit, and the kernel then answers by killing the process) is refused up front, for tensors too.
    func testRequestsBeyondTheAvailableMemoryAreRefused() throws {
        let available = try XCTUnwrap(MemoryCheck.availableBytes(), "/proc/meminfo has MemAvailable on Linux")
        let tooMuch = available + (1 << 30)
        XCTAssertThrowsError(try MemoryCheck.ensureAvailable(bytes: tooMuch, for: "the test's images")) { error in
            XCTAssertTrue("\(error)".contains("for the test's images: the system has"), "\(error)")
        }
        XCTAssertThrowsError(try CachingAllocator.shared.allocate(count: tooMuch / 4 + 1)) { error in
            XCTAssertTrue("\(error)".hasPrefix("out of memory: cannot allocate"), "\(error)")
            XCTAssertTrue("\(error)".contains("available"), "\(error)")
        }
    }
}
