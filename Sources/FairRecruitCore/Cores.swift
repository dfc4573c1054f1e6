import Dispatch

/// Work spread over the cores, with results in order whatever finishes first, so that the
/// output does not depend on how the work was spread.
public enum Cores {
    /// `transform` of each of `0..<count`, in order: on every core when `onAllCores`, else here.
    /// Nested in work already spread over the cores (a batch's agencies), Dispatch runs the
    /// pieces one after another on the calling thread.
    public static func map<Result>(_ count: Int, onAllCores: Bool, _ transform: (Int) -> Result) -> [Result] {
        guard onAllCores && count > 1 else { return (0..<count).map(transform) }
        return withoutActuallyEscaping(transform) { transform in
            Array(unsafeUninitializedCapacity: count) { buffer, initialized in
                // Each index is written by one thread only, and read after all have ended.
                nonisolated(unsafe) let results = buffer
                nonisolated(unsafe) let transform = transform
                DispatchQueue.concurrentPerform(iterations: count) { (results.baseAddress! + $0).initialize(to: transform($0)) }
                initialized = count
            }
        }
    }
}

extension Cores {
    /// `a()`, `b()` and `c()`, independent of each other: on every core when `onAllCores`.
    public static func together<A, B, C>(onAllCores: Bool, _ a: () -> A, _ b: () -> B, _ c: () -> C) -> (A, B, C) {
        guard onAllCores else { return (a(), b(), c()) }
        // Each is written by one thread only, and read after all have ended.
        nonisolated(unsafe) var (resultA, resultB, resultC): (A?, B?, C?) = (nil, nil, nil)
        withoutActuallyEscaping(a) { a in withoutActuallyEscaping(b) { b in withoutActuallyEscaping(c) { c in
            nonisolated(unsafe) let (a, b, c) = (a, b, c)
            DispatchQueue.concurrentPerform(iterations: 3) { part in
                switch part {
                case 0: resultA = a()
                case 1: resultB = b()
                default: resultC = c()
                }
            }
        } } }
        return (resultA!, resultB!, resultC!)
    }
}
