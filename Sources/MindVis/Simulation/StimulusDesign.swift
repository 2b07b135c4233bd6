import Foundation
import MindTensor

/// Object shapes of the stimulus set.
public enum ShapeKind: Int, CaseIterable, Sendable {
    case circle, ellipse, square, triangle, star, cross, ring, crescent, hexagon, heart

    public var name: String { String(describing: self) }

    /// Hand-set attributes (roundness, corners, concavity, hole, elongation) that give the category space
    /// a similarity structure, as object categories have.
    var attributes: [Float] {
        switch self {
        case .circle: return [1.0, 0.0, 0.0, 0, 0.0]
        case .ellipse: return [0.8, 0.0, 0.0, 0, 1.0]
        case .square: return [0.1, 0.45, 0.0, 0, 0.0]
        case .triangle: return [0.0, 0.3, 0.0, 0, 0.2]
        case .star: return [0.1, 1.0, 1.0, 0, 0.0]
        case .cross: return [0.0, 1.0, 0.8, 0, 0.1]
        case .ring: return [1.0, 0.0, 0.0, 1, 0.0]
        case .crescent: return [0.7, 0.2, 1.0, 0, 0.6]
        case .hexagon: return [0.6, 0.6, 0.0, 0, 0.0]
        case .heart: return [0.7, 0.1, 0.5, 0, 0.1]
        }
    }
}

/// Object colours, by hue.
public enum ColourKind: Int, CaseIterable, Sendable {
    case red, yellow, green, cyan, blue, magenta

    public var name: String { String(describing: self) }

    /// Hue in degrees.
    var hue: Float {
        switch self {
        case .red: return 0
        case .yellow: return 55
        case .green: return 120
        case .cyan: return 185
        case .blue: return 230
        case .magenta: return 300
        }
    }
}

/// Surface patterns painted inside the object.
public enum TextureKind: Int, CaseIterable, Sendable {
    case plain, striped, dotted, checkered

    public var name: String { String(describing: self) }
}

/// Backgrounds: a plain gray field or a simple "scene" (sky over ground with a horizon).
public enum BackgroundKind: Int, CaseIterable, Sendable {
    case gray, scene

    public var name: String { String(describing: self) }
}

/// One category of the factorial design.
public struct CategoryFactors: Equatable, Hashable, Sendable {
    public var shape: ShapeKind
    public var colour: ColourKind
    public var texture: TextureKind
    public var background: BackgroundKind

    /// e.g. "red striped circle on gray".
    public var description: String {
        let pattern = texture == .plain ? "" : "\(texture.name) "
        return "\(colour.name) \(pattern)\(shape.name) on \(background.name)"
    }

    /// Position in the fixed enumeration of all combinations (0..<StimulusDesign.categoryCount).
    var code: Int {
        ((shape.rawValue * ColourKind.allCases.count + colour.rawValue) * TextureKind.allCases.count + texture.rawValue)
            * BackgroundKind.allCases.count + background.rawValue
    }
}

/// The factorial category design and the semantic space the higher visual areas are tuned in.
enum StimulusDesign {
    static let categoryCount = ShapeKind.allCases.count * ColourKind.allCases.count
        * TextureKind.allCases.count * BackgroundKind.allCases.count

    static func allCategories() -> [CategoryFactors] {
        var all: [CategoryFactors] = []
        for s in ShapeKind.allCases {
            for c in ColourKind.allCases {
                for t in TextureKind.allCases {
                    for b in BackgroundKind.allCases {
                        all.append(CategoryFactors(shape: s, colour: c, texture: t, background: b))
                    }
                }
            }
        }
        return all
    }

    /// A seeded choice of disjoint training and test categories from all combinations: as in GOD, test
    /// categories are never seen in training, while every factor level is shared between the two.
    static func chooseCategories(seed: UInt64, train: Int, test: Int) -> (train: [CategoryFactors], test: [CategoryFactors]) {
        var rng = Xoshiro256StarStar(seed: seed, stream: SeedTag.categories)
        var all = allCategories()
        rng.shuffle(&all)
        return (Array(all[0..<train]), Array(all[train..<(train + test)]))
    }
}

/// Semantic embedding of categories: standardized factor attributes plus random identity dimensions per
/// factor level and per category (so unseen test categories are only partly predictable from training).
struct SemanticSpace: Sendable {
    static let shapeDims = 8
    static let colourDims = 3
    static let textureDims = 3
    static let backgroundDims = 2
    static let categoryDims = 4
    static let dimension = shapeDims + colourDims + textureDims + backgroundDims + categoryDims
    /// Background dimensions describe the scene around the object, not the object.
    static let backgroundRange = (shapeDims + colourDims + textureDims)..<(shapeDims + colourDims + textureDims + backgroundDims)
    static let shapeRange = 0..<shapeDims

    /// Indices within the shape block of the hand-set attributes.
    static let roundness = 0
    static let corners = 1
    static let hole = 3
    static let patterned = shapeDims + colourDims
    static let sceneDimension = backgroundRange.lowerBound

    let shapeTable: [[Float]]
    let colourTable: [[Float]]
    let textureTable: [[Float]]
    let backgroundTable: [[Float]]
    let seed: UInt64

    init(seed: UInt64) {
        self.seed = seed
        var rng = Xoshiro256StarStar(seed: seed, stream: SeedTag.semantics)
        func randomDims(_ n: Int) -> [Float] { (0..<n).map { _ in rng.nextNormal() } }
        shapeTable = SemanticSpace.standardized(ShapeKind.allCases.map { $0.attributes + randomDims(3) })
        colourTable = SemanticSpace.standardized(ColourKind.allCases.map { c -> [Float] in
            let h = c.hue * .pi / 180
            return [cos(h), sin(h)] + randomDims(1)
        })
        textureTable = SemanticSpace.standardized(TextureKind.allCases.map { t -> [Float] in
            let patterned: Float = t == .plain ? 0 : 1
            let oriented: Float = t == .striped ? 1 : (t == .checkered ? 0.5 : 0)
            return [patterned, oriented] + randomDims(1)
        })
        backgroundTable = SemanticSpace.standardized(BackgroundKind.allCases.map { b -> [Float] in
            [b == .scene ? 1 : 0] + randomDims(1)
        })
    }

    /// The embedding of a category (length `dimension`).
    func embedding(_ category: CategoryFactors) -> [Float] {
        var rng = Xoshiro256StarStar(seed: seed, stream: SeedTag.categoryIdentity, UInt64(category.code))
        let identity = (0..<SemanticSpace.categoryDims).map { _ in 0.6 * rng.nextNormal() }
        return shapeTable[category.shape.rawValue] + colourTable[category.colour.rawValue]
            + textureTable[category.texture.rawValue] + backgroundTable[category.background.rawValue] + identity
    }

    /// Columns shifted and scaled to mean 0, standard deviation 1 across the factor's levels (constant
    /// columns become 0).
    static func standardized(_ rows: [[Float]]) -> [[Float]] {
        guard let width = rows.first?.count else { return rows }
        var out = rows
        for j in 0..<width {
            let column = rows.map { $0[j] }
            let mean = column.reduce(0, +) / Float(column.count)
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(column.count)
            let scale: Float = variance > 1e-12 ? 1 / variance.squareRoot() : 0
            for i in 0..<rows.count { out[i][j] = (rows[i][j] - mean) * scale }
        }
        return out
    }
}
