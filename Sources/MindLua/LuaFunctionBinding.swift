import CLua
import Foundation
import LuaShim

/// What a bound Swift function returns: how many values it pushed (through `LuaArgs.push`/`returning`).
public struct LuaReturn {
    public let count: Int32

    public init(count: Int32) { self.count = count }

    /// No results.
    public static let none = LuaReturn(count: 0)
}

/// A Swift closure bound to Lua. Lua owns it through a userdata upvalue of the trampoline closure; the userdata's
/// `__gc` releases it.
final class LuaFunctionBox {
    /// The name used in error messages: `mv.add`, `Counter:add`.
    let name: String
    /// 1 for methods: `self` is at stack index 1 and user-visible argument #1 at index 2.
    let selfOffset: Int32
    let body: (LuaArgs) throws -> LuaReturn

    init(name: String, selfOffset: Int32, body: @escaping (LuaArgs) throws -> LuaReturn) {
        LuaDocRegistry.shared.noteBound(name)
        self.name = name
        self.selfOffset = selfOffset
        self.body = body
    }
}

/// The Swift entry points called by the C trampoline and finalizers in LuaShim.
enum LuaSwiftCallbacks {
    private static let installation: Void = {
        mv_install_swift_callbacks(dispatch, release)
    }()

    static func install() { _ = installation }

    static func pushFunction(_ L: OpaquePointer, _ box: LuaFunctionBox) {
        mv_push_swift_function(L, Unmanaged.passRetained(box).toOpaque())
    }

    /// Runs a bound closure. Never lets a Lua error escape: a thrown Swift error becomes a pushed message and a
    /// negative return, and the C trampoline raises it after this frame has returned.
    private static let dispatch: mv_dispatch_fn = { state, box in
        guard let L = state else { return 0 }
        guard let box, let function = Unmanaged<AnyObject>.fromOpaque(box).takeUnretainedValue() as? LuaFunctionBox else {
            // Only reachable by swapping metatables with the debug library.
            LuaStack.push(L, "mindvis: this Swift function binding is no longer available")
            return MV_RAISE_WITH_POSITION
        }
        let base = lua_gettop(L)
        let args = LuaArgs(L: L, function: function.name, selfOffset: function.selfOffset,
                           count: Int(max(0, base - function.selfOffset)))
        do {
            let result = try function.body(args)
            guard result.count >= 0, lua_gettop(L) - base >= result.count else {
                LuaStack.push(L, "\(function.name): internal error: returned \(result.count) results but pushed \(lua_gettop(L) - base)")
                return MV_RAISE_WITH_POSITION
            }
            return result.count
        } catch let error as LuaError {
            // Already a Lua error (from a nested protected call): re-raise its message without a second position.
            LuaStack.push(L, error.message)
            return MV_RAISE_AS_IS
        } catch {
            LuaStack.push(L, message(for: error))
            return MV_RAISE_WITH_POSITION
        }
    }

    /// Balances the `Unmanaged.passRetained` of a closure box or bound object. Runs inside the collector: the
    /// object's `deinit` must not touch Lua.
    private static let release: mv_release_fn = { pointer in
        guard let pointer else { return }
        Unmanaged<AnyObject>.fromOpaque(pointer).release()
    }

    static func message(for error: Error) -> String {
        if let error = error as? LuaBindingError { return error.message }
        if let error = error as? LocalizedError, let description = error.errorDescription { return description }
        return String(describing: error)
    }
}
