import Foundation
import MindTensor

/// How `tostring(t)` and the REPL show a tensor, after PyTorch: nested brackets with right-aligned columns, values
/// in one shared format (integers as `3.`, fixed `0.1235`, or scientific `1.2346e-05` when magnitudes are far
/// apart), long rows wrapped at `linewidth`, and tensors above `threshold` elements summarised to `edgeitems`
/// entries at each end of every dimension. A footer gives the shape and autograd state:
///
///     [[1., 2., 3.],
///      [4., 5., 6.]]
///     [Tensor of shape 2x3, requires_grad]
public struct TensorPrintOptions: Equatable {
    public var precision = 4
    public var threshold = 1000
    public var edgeItems = 3
    public var lineWidth = 80
    /// nil chooses per tensor; true/false forces scientific/fixed notation.
    public var scientific: Bool?

    public init() {}

    /// Process-wide, like PyTorch's (and like the seed and grad mode; batch scripts run in their own processes).
    public static var current = TensorPrintOptions()
}

enum TensorPrinting {
    static func define(_ type: LuaUserdataType<Tensor>) {
        type.toString { t in describe(t, options: .current) }
    }

    static func install(_ state: LuaState) throws {
        try state.bind("mv", "set_printoptions", doc: """
            mv.set_printoptions(options)
            Sets how tostring(t) and print show tensors, process-wide (torch.set_printoptions).
            precision = 4  -- digits after the decimal point (0...30)
            threshold = 1000  -- tensors with more elements are summarised with ... in every dimension
            edgeitems = 3  -- entries shown at each end of a dimension when summarising
            linewidth = 80  -- characters per line before a row wraps
            sci_mode = "auto"  -- true forces scientific notation, false fixed; "auto" chooses per tensor
            profile = nil  -- "default" restores every default, "short" sets precision and edgeitems to 2, "full" never summarises
            The defaults shown are the initial values: options left out keep their current value. profile applies first, then the others.
            """) { args in
            let options = try args.options(1)
            var result = TensorPrintOptions.current
            if let profile = try options.string("profile") {
                switch profile {
                case "default": result = TensorPrintOptions()
                case "short": (result.precision, result.edgeItems) = (2, 2)
                case "full": result.threshold = .max
                default: throw args.error("option 'profile': expected 'default', 'short' or 'full', got \"\(profile)\"")
                }
            }
            result.precision = try options.integer("precision", default: result.precision, min: 0, max: 30)
            result.threshold = try options.integer("threshold", default: result.threshold, min: 0)
            result.edgeItems = try options.integer("edgeitems", default: result.edgeItems, min: 0, max: 1 << 20)
            result.lineWidth = try options.integer("linewidth", default: result.lineWidth, min: 1, max: 1 << 20)
            switch try options.value("sci_mode") {
            case .nil: break
            case .boolean(let forced): result.scientific = forced
            case .string("auto"): result.scientific = nil
            default: throw args.error("option 'sci_mode': expected true, false or 'auto'")
            }
            TensorPrintOptions.current = result
            return .none
        }
        try state.bind("mv", "get_printoptions", doc: """
            mv.get_printoptions() -> {precision =, threshold =, edgeitems =, linewidth =, sci_mode =}
            The current print options, as mv.set_printoptions takes them (sci_mode is true, false or "auto").
            """) { args in
            let o = TensorPrintOptions.current
            return try args.returning(LuaValue.table([
                LuaTableEntry(key: "edgeitems", value: .integer(o.edgeItems)),
                LuaTableEntry(key: "linewidth", value: .integer(o.lineWidth)),
                LuaTableEntry(key: "precision", value: .integer(o.precision)),
                LuaTableEntry(key: "sci_mode", value: o.scientific.map(LuaValue.boolean) ?? .string("auto")),
                LuaTableEntry(key: "threshold", value: .integer(o.threshold)),
            ]))
        }
    }

    static func describe(_ t: Tensor, options: TensorPrintOptions) -> String {
        body(t, options: options) + "\n" + footer(t)
    }

    static func footer(_ t: Tensor) -> String {
        var text = "[Tensor of shape " + (t.rank == 0 ? "()" : t.shape.map(String.init).joined(separator: "x"))
        if let node = t.gradFn {
            text += ", grad_fn=" + node.name
        } else if t.requiresGrad {
            text += ", requires_grad"
        }
        return text + "]"
    }

    static func body(_ t: Tensor, options: TensorPrintOptions) -> String {
        if t.numel == 0 { return "[]" }
        let layout = Layout(t, options: options)
        return layout.render(dim: 0, offset: t.offset, indent: 0)
    }

    /// One rendering: which entries are shown (all, or the edges of every dimension) and their shared format.
    private struct Layout {
        let t: Tensor
        let options: TensorPrintOptions
        let summarize: Bool
        let format: ValueFormat

        init(_ t: Tensor, options: TensorPrintOptions) {
            self.t = t
            self.options = options
            summarize = t.numel > options.threshold
            var shown: [Float] = []
            Layout.collect(t, dim: 0, offset: t.offset, summarize: summarize, edge: options.edgeItems, into: &shown)
            format = ValueFormat(shown, options: options)
        }

        /// Entries shown along a dimension of `size`; nil marks the elided middle.
        static func picks(_ size: Int, summarize: Bool, edge: Int) -> [Int?] {
            guard summarize, size > 2 * edge else { return Array(0..<size) }
            return Array(0..<edge) + [nil] + Array((size - edge)..<size)
        }

        static func collect(_ t: Tensor, dim: Int, offset: Int, summarize: Bool, edge: Int, into values: inout [Float]) {
            if t.rank == 0 {
                values.append(t.storage.base[offset])
                return
            }
            for case let k? in picks(t.shape[dim], summarize: summarize, edge: edge) {
                let position = offset + k * t.strides[dim]
                if dim == t.rank - 1 {
                    values.append(t.storage.base[position])
                } else {
                    collect(t, dim: dim + 1, offset: position, summarize: summarize, edge: edge, into: &values)
                }
            }
        }

        func render(dim: Int, offset: Int, indent: Int) -> String {
            if t.rank == 0 { return format.text(t.storage.base[offset]) }
            let picks = Layout.picks(t.shape[dim], summarize: summarize, edge: options.edgeItems)
            let step = t.strides[dim]
            let continuation = String(repeating: " ", count: indent + 1)
            if dim == t.rank - 1 {
                let items = picks.map { k in k.map { format.padded(t.storage.base[offset + $0 * step]) } ?? " ..." }
                let perLine = Swift.max(1, (options.lineWidth - indent) / (format.width + 2))
                let lines = stride(from: 0, to: items.count, by: perLine).map {
                    items[$0..<Swift.min($0 + perLine, items.count)].joined(separator: ", ")
                }
                return "[" + lines.joined(separator: ",\n" + continuation) + "]"
            }
            let parts = picks.map { k in
                k.map { render(dim: dim + 1, offset: offset + $0 * step, indent: indent + 1) } ?? "..."
            }
            let separator = "," + String(repeating: "\n", count: t.rank - dim - 1) + continuation
            return "[" + parts.joined(separator: separator) + "]"
        }
    }

    /// PyTorch's choice of notation: integers when every finite value is integral, scientific when the non-zero
    /// magnitudes span more than 1000x or leave [1e-4, 1e8], fixed otherwise.
    struct ValueFormat {
        enum Notation { case integer, fixed, scientific }
        let notation: Notation
        let precision: Int
        let width: Int

        init(_ values: [Float], options: TensorPrintOptions) {
            precision = options.precision
            let finite = values.filter(\.isFinite)
            let magnitudes = finite.filter { $0 != 0 }.map { Swift.abs(Double($0)) }
            let largest = magnitudes.max() ?? 0, smallest = magnitudes.min() ?? 0
            let integral = finite.allSatisfy { $0.rounded() == $0 }
            var notation: Notation
            if integral {
                notation = largest > 1e8 ? .scientific : .integer
            } else {
                notation = largest / smallest > 1000 || largest > 1e8 || smallest < 1e-4 ? .scientific : .fixed
            }
            if let forced = options.scientific {
                notation = forced ? .scientific : (notation == .scientific ? (integral ? .integer : .fixed) : notation)
            }
            self.notation = notation
            var width = 1
            for v in values { width = Swift.max(width, ValueFormat.text(v, notation, precision).count) }
            self.width = width
        }

        func text(_ v: Float) -> String { ValueFormat.text(v, notation, precision) }

        func padded(_ v: Float) -> String {
            let s = text(v)
            return s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
        }

        static func text(_ v: Float, _ notation: Notation, _ precision: Int) -> String {
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            switch notation {
            case .integer: return String(format: "%.0f.", Double(v))
            case .fixed: return String(format: "%.*f", precision, Double(v))
            case .scientific: return String(format: "%.*e", precision, Double(v))
            }
        }
    }
}
