import Foundation

/// A closed outline in object coordinates (unit size, y pointing up), described by its signed distance
/// (negative inside). The painter turns distances into anti-aliased coverage.
enum Outline: Sendable {
    case stimulus(ShapeKind)
    case ellipse(Float, Float)
    case box(Float, Float)

    /// Signed distance from (x, y) to the outline, in object units. Exact for circles, boxes and polygons;
    /// a first-order approximation for ellipses (accurate near the edge, which is all AA needs).
    @inline(__always)
    func distance(_ x: Float, _ y: Float) -> Float {
        switch self {
        case .ellipse(let a, let b):
            return Outline.ellipseDistance(x, y, a, b)
        case .box(let hx, let hy):
            return Outline.boxDistance(x, y, hx, hy)
        case .stimulus(let kind):
            switch kind {
            case .circle: return (x * x + y * y).squareRoot() - 1
            case .ellipse: return Outline.ellipseDistance(x, y, 1.2, 0.62)
            case .square: return Outline.boxDistance(x, y, 0.85, 0.85)
            case .triangle: return Outline.polygonDistance(x, y, Outline.triangle)
            case .star: return Outline.polygonDistance(x, y, Outline.star)
            case .cross: return min(Outline.boxDistance(x, y, 1.0, 0.32), Outline.boxDistance(x, y, 0.32, 1.0))
            case .ring: return abs((x * x + y * y).squareRoot() - 0.72) - 0.28
            case .crescent:
                let outer = (x * x + y * y).squareRoot() - 1
                let bite = ((x - 0.5) * (x - 0.5) + (y - 0.15) * (y - 0.15)).squareRoot() - 0.85
                return max(outer, -bite)
            case .hexagon: return Outline.polygonDistance(x, y, Outline.hexagon)
            case .heart: return Outline.polygonDistance(x, y, Outline.heart)
            }
        }
    }

    /// Radius (object units) of a disc around the origin that contains the whole shape.
    var extent: Float {
        switch self {
        case .ellipse(let a, let b): return max(a, b)
        case .box(let hx, let hy): return (hx * hx + hy * hy).squareRoot()
        case .stimulus(let kind):
            switch kind {
            case .triangle, .star: return 1.3
            case .ellipse, .square, .cross: return 1.25
            default: return 1.1
            }
        }
    }

    @inline(__always)
    static func boxDistance(_ x: Float, _ y: Float, _ hx: Float, _ hy: Float) -> Float {
        let qx = abs(x) - hx
        let qy = abs(y) - hy
        let ox = max(qx, 0)
        let oy = max(qy, 0)
        return (ox * ox + oy * oy).squareRoot() + min(max(qx, qy), 0)
    }

    @inline(__always)
    static func ellipseDistance(_ x: Float, _ y: Float, _ a: Float, _ b: Float) -> Float {
        let k0 = ((x / a) * (x / a) + (y / b) * (y / b)).squareRoot()
        let k1 = ((x / (a * a)) * (x / (a * a)) + (y / (b * b)) * (y / (b * b))).squareRoot()
        guard k1 > 0 else { return -min(a, b) }
        return k0 * (k0 - 1) / k1
    }

    /// Polygon with vertices (xs[i], ys[i]): minimum distance to the edges, negative inside (crossing rule).
    static func polygonDistance(_ px: Float, _ py: Float, _ polygon: Polygon) -> Float {
        let xs = polygon.xs
        let ys = polygon.ys
        let n = xs.count
        var best = Float.infinity
        var sign: Float = 1
        var j = n - 1
        for i in 0..<n {
            let ex = xs[j] - xs[i]
            let ey = ys[j] - ys[i]
            let wx = px - xs[i]
            let wy = py - ys[i]
            let t = min(max((wx * ex + wy * ey) / (ex * ex + ey * ey), 0), 1)
            let bx = wx - ex * t
            let by = wy - ey * t
            best = min(best, bx * bx + by * by)
            let c1 = py >= ys[i]
            let c2 = py < ys[j]
            let c3 = ex * wy > ey * wx
            if (c1 && c2 && c3) || (!c1 && !c2 && !c3) { sign = -sign }
            j = i
        }
        return sign * best.squareRoot()
    }

    struct Polygon: Sendable {
        let xs: [Float]
        let ys: [Float]
    }

    static func regularPolygon(sides: Int, radius: Float, rotation: Float) -> Polygon {
        let angles = (0..<sides).map { rotation + 2 * Float.pi * Float($0) / Float(sides) }
        return Polygon(xs: angles.map { radius * cos($0) }, ys: angles.map { radius * sin($0) })
    }

    static let triangle = regularPolygon(sides: 3, radius: 1.3, rotation: .pi / 2)
    static let hexagon = regularPolygon(sides: 6, radius: 1.05, rotation: 0)
    static let star: Polygon = {
        let angles = (0..<10).map { Float.pi / 2 + Float.pi * Float($0) / 5 }
        let radii = (0..<10).map { $0 % 2 == 0 ? Float(1.3) : Float(0.52) }
        return Polygon(xs: zip(angles, radii).map { $1 * cos($0) }, ys: zip(angles, radii).map { $1 * sin($0) })
    }()
    /// The classic parametric heart curve, scaled to about the unit disc and centred.
    static let heart: Polygon = {
        let ts = (0..<48).map { 2 * Float.pi * Float($0) / 48 }
        let xs = ts.map { 16 * pow(sin($0), 3) / 16 }
        let ys = ts.map { (13 * cos($0) - 5 * cos(2 * $0) - 2 * cos(3 * $0) - cos(4 * $0)) / 16 + 0.15 }
        return Polygon(xs: xs, ys: ys)
    }()
}
