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
