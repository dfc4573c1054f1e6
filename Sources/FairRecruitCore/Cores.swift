import Dispatch

/// Work spread over the cores, with results in order whatever finishes first, so that the
/// output does not depend on how the work was spread.
public enum Cores {
    /// `transform` of each of `0..<count`, in order: on every core when `onAllCores`, else here.
    /// (Called inside work Dispatch already spreads, libdispatch divides its threads among the
    /// nested calls, so the cores are not oversubscribed.)
    public static func map<Result>(_ count: Int, onAllCores: Bool, _ transform: (Int) -> Result) -> [Result] {
        array(count: count, pieceSize: 1, onAllCores: onAllCores) { range, start in start.initialize(to: transform(range.lowerBound)) }
    }

    /// An array of `count` elements made in pieces of `pieceSize`: `fill` initializes the
    /// elements of a range, the first at `start`. The pieces run on every core when
    /// `onAllCores`, else one after another here.
    public static func array<Element>(count: Int, pieceSize: Int, onAllCores: Bool,
                                      _ fill: (_ range: Range<Int>, _ start: UnsafeMutablePointer<Element>) -> Void) -> [Element] {
        let pieces = (count + pieceSize - 1) / pieceSize
        return Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            func piece(_ index: Int) {
                let range = index * pieceSize..<min(count, (index + 1) * pieceSize)
                fill(range, buffer.baseAddress! + range.lowerBound)
            }
            if onAllCores && pieces > 1 {
                // Each element is written by one thread only, and read after all have ended.
                withoutActuallyEscaping(piece) { piece in
                    nonisolated(unsafe) let piece = piece
                    DispatchQueue.concurrentPerform(iterations: pieces) { piece($0) }
                }
            } else {
                for index in 0..<pieces { piece(index) }
            }
            initialized = count
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
