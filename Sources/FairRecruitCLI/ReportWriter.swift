import Dispatch
import Synchronization

/// Writes a batch's report files on a thread of its own while the agencies after them are audited.
/// Large reports go straight to the disk (``DirectWrite``), which waits for the device — about
/// 0.7 s per GB here, 0.64 s in all for a 10-million-record batch's reports — and a core waiting
/// is a core not auditing.
final class ReportWriter: Sendable {
    private let queue = DispatchQueue(label: "fairrecruit.report-writer")
    /// Reports queued at most (their bytes are held until written).
    private let room = DispatchSemaphore(value: 8)
    /// Files that could not be written.
    private let failed = Mutex<[String]>([])

    /// Queues `bytes` to replace the file at `path` (see ``AuditPipeline/replace(_:with:)``);
    /// waits while eight files are queued already.
    func write(_ bytes: [UInt8], to path: String) {
        room.wait()
        queue.async { [self] in
            if !AuditPipeline.replace(path, with: bytes) { failed.withLock { $0.append(path) } }
            room.signal()
        }
    }

    /// Waits until every queued file is written; throws, naming the first by path, when any
    /// could not be (the order they were queued in depends on timing).
    func finish() throws(CommandFailure) {
        queue.sync {}
        if let path = failed.withLock({ $0.min() }) { throw CommandFailure(.unreadable, "\(path): error: cannot write the report") }
    }
}
