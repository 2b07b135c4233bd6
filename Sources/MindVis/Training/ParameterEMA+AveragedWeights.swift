import MindTensor

extension ParameterEMA {
    /// Runs `body` with the averaged weights in `parameters` (the tensors this EMA averages, in its order), restoring
    /// the trained weights after — evaluation and sampling with the EMA model.
    func withAveragedWeights<T>(_ parameters: [Tensor], _ body: () throws -> T) throws -> T {
        let trained = try withNoGrad { try parameters.map { try $0.clone() } }
        try copyToParameters()
        defer { try? withNoGrad { for (p, t) in zip(parameters, trained) { try p.copyFrom(t) } } }
        return try body()
    }
}
