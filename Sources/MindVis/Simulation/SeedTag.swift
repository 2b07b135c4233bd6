/// Keys of the independent random streams derived from the configuration seed
/// (`Xoshiro256StarStar(seed:stream:)`); one per purpose, so adding draws to one part of the simulation
/// never changes the numbers of another.
enum SeedTag {
    static let categories: UInt64 = 1
    static let semantics: UInt64 = 2
    static let categoryIdentity: UInt64 = 3
    static let exemplar: UInt64 = 4
    static let calibration: UInt64 = 5
    static let subjectLayout: UInt64 = 6
    static let trialOrder: UInt64 = 7
    static let trainNoise: UInt64 = 8
    static let testNoise: UInt64 = 9
    static let poolLayout: UInt64 = 10
    static let poolSubject: UInt64 = 11
    static let poolImage: UInt64 = 12
    static let poolNoise: UInt64 = 13
    static let poolFrames: UInt64 = 14
    static let noiseFields: UInt64 = 15
    static let crossValidation: UInt64 = 16
    /// Fresh exemplars rendered for the CNN judge, never the dataset's own images (`StimulusExemplars`).
    static let judgeExemplar: UInt64 = 17
    /// The judge's training augmentation, per (epoch, image).
    static let judgeAugmentation: UInt64 = 18
    /// Fresh exemplars of every category for training a generative model of the stimuli (label2img), never the
    /// dataset's images nor the judge's (`SimulatedDataset.renderings`).
    static let generativeExemplar: UInt64 = 19
}
