import MindTensor

extension Module {
    /// Loads `state` by name after checking that every name fits: each of the module's keys is in `state` (unless
    /// `allowMissing` accepts it) and each key of `state` is one of the module's. Anything else is an error that
    /// names the keys (the first 12 of each kind) and `source`, raised before any value is written. Returns the
    /// keys that were allowed to be missing and are.
    @discardableResult
    func loadChecked(_ state: [(name: String, tensor: Tensor)], source: String, allowMissing: (String) -> Bool = { _ in false }) throws -> [String] {
        let own = stateDict().map(\.name)
        let given = Set(state.map(\.name)), ownSet = Set(own)
        let absent = own.filter { !given.contains($0) }
        let missing = absent.filter { !allowMissing($0) }
        let unexpected = state.map(\.name).filter { !ownSet.contains($0) }
        guard missing.isEmpty, unexpected.isEmpty else {
            throw TensorError("\(source): " + Self.describeKeyMismatch(missing: missing, unexpected: unexpected))
        }
        try withErrorContext(source) { _ = try loadStateDict(state, strict: false) }
        return absent
    }
}
