import XCTest
@testable import MindTensor

final class AutogradTests: XCTestCase {
    func testAccumulationDetachNoGradAndFreedGraph() throws {
        let x = try Tensor([1, 2, 3]).requiresGrad()
        try (x * x).sum().backward()
        XCTAssertEqual(try x.grad!.toArray(), [2, 4, 6])
        try (x * 3).sum().backward()
        XCTAssertEqual(try x.grad!.toArray(), [5, 7, 9], "gradients accumulate")
        let y = try x * 2
        XCTAssertTrue(y.requiresGrad)
        XCTAssertFalse(y.detach().requiresGrad)
        let z = try withNoGrad { try x * 2 }
        XCTAssertFalse(z.requiresGrad)
        let loss = try (x * x).sum()
        try loss.backward()
        assertThrows(["already freed"]) { try loss.backward() }
        let kept = try (x * x).sum()
        try kept.backward(retainGraph: true)
        try kept.backward()
    }

    /// A leaf's first gradient is kept uncopied only when nothing else can see it; a seed passed straight through,
    /// a view of it, or one tensor given to two leaves is copied, so accumulating never writes into another tensor.
    func testFirstLeafGradientIsKeptOnlyWhenUnshared() throws {
        let x = try Tensor([1, 2, 3]).requiresGrad()
        var fresh: ObjectIdentifier?
        let probe = try Tensor.zeros([3]).recorded("probe", inputs: [x]) { _ in
            let g = try Tensor([4, 5, 6])
            fresh = ObjectIdentifier(g.storage)
            return [g]
        }
        try probe.backward(gradient: try Tensor([1, 1, 1]))
        XCTAssertEqual(fresh, ObjectIdentifier(x.grad!.storage), "a gradient nothing else holds becomes .grad as it is")
        XCTAssertEqual(try x.grad!.toArray(), [4, 5, 6])

        let seed = try Tensor([1, 1, 1])
        let a = try Tensor([1, 2, 3]).requiresGrad(), b = try Tensor([1, 2, 3]).requiresGrad()
        let sum = try a + b  // its backward hands the seed itself to both leaves
        try sum.backward(gradient: seed, retainGraph: true)
        try sum.backward(gradient: seed)
        XCTAssertEqual(try a.grad!.toArray(), [2, 2, 2])
        XCTAssertEqual(try b.grad!.toArray(), [2, 2, 2])
        XCTAssertEqual(try seed.toArray(), [1, 1, 1], "accumulating did not write into the caller's seed")
        XCTAssertFalse(a.grad!.storage === b.grad!.storage)

        let m = try Tensor([1, 2, 3, 4]).requiresGrad()
        let square = try Tensor([1, 1, 1, 1]).reshape([2, 2])
        let reshaped = try m.reshape([2, 2])  // its backward returns a view of the seed
        try reshaped.backward(gradient: square, retainGraph: true)
        try reshaped.backward(gradient: square)
        XCTAssertEqual(try m.grad!.toArray(), [2, 2, 2, 2])
        XCTAssertEqual(try square.toArray(), [1, 1, 1, 1])
    }

    func testSharedSubexpressionsAndInPlaceProtection() throws {
        let x = try Tensor([0.5, -1]).requiresGrad()
        let h = try x.tanh()
        try (h * h + h).sum().backward()
        let t = [Float(0.5), -1].map { tanh($0) }
        assertClose(try x.grad!.toArray(), t.map { (2 * $0 + 1) * (1 - $0 * $0) }, tolerance: 1e-6, "diamond graph")
        assertThrows(["in-place", "requires grad"]) { try x.fill(0) }
        let w = try Tensor([2]).requiresGrad(), saved = try Tensor([3])
        let prod = try w * saved
        try withNoGrad { try saved.fill(5) }
        assertThrows(["modified in place"]) { try prod.sum().backward() }
    }

    func testBackwardErrors() throws {
        assertThrows(["does not require grad"]) { try Tensor([1]).backward() }
        let x = try Tensor([1, 2]).requiresGrad()
        assertThrows(["not a scalar"]) { try (x * 2).backward() }
        try (x * 2).backward(gradient: Tensor([1, 1]))
        XCTAssertEqual(try x.grad!.toArray(), [2, 2])
        assertThrows(["non-leaf"]) { try (x * 2).requiresGrad(false) }
    }
}
