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
    /// `a()` and `b()`, independent of each other: on every core when `onAllCores`.
    public static func together<A, B>(onAllCores: Bool, _ a: @escaping () -> A, _ b: @escaping () -> B) -> (A, B) {
        var (resultA, resultB): (A?, B?) = (nil, nil)
        run([{ resultA = a() }, { resultB = b() }], onAllCores: onAllCores)
        return (resultA!, resultB!)
    }

    /// `a()`, `b()` and `c()`, independent of each other: on every core when `onAllCores`.
    public static func together<A, B, C>(onAllCores: Bool, _ a: @escaping () -> A, _ b: @escaping () -> B,
                                         _ c: @escaping () -> C) -> (A, B, C) {
        var (resultA, resultB, resultC): (A?, B?, C?) = (nil, nil, nil)
        run([{ resultA = a() }, { resultB = b() }, { resultC = c() }], onAllCores: onAllCores)
        return (resultA!, resultB!, resultC!)
    }

    /// Runs each piece of work once. Each writes a result of its own, read after all have ended.
    private static func run(_ work: [() -> Void], onAllCores: Bool) {
        guard onAllCores else { return work.forEach { $0() } }
        nonisolated(unsafe) let work = work
        DispatchQueue.concurrentPerform(iterations: work.count) { work[$0]() }
    }
}
