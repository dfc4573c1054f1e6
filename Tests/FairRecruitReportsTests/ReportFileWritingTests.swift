import Foundation
import Testing
@testable import FairRecruitCLI

@Suite struct ReportFileWritingTests {
    /// Sizes below and above `DirectWrite.threshold`, on and off a block boundary, and of several
    /// 4 MiB pieces: large files go around the page cache (padded to whole blocks, then cut back),
    /// small ones as usual.
    @Test(arguments: [0, 1, 4_095, DirectWrite.threshold - 1, DirectWrite.threshold, DirectWrite.threshold + 4_096, 1_000_003, 9 << 20, (9 << 20) + 3])
    func aReportFileHoldsExactlyItsBytesAndNothingIsLeftBeside(size: Int) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-write-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<size).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
        let path = folder + "/report.json"
        #expect(AuditPipeline.replace(path, with: Array(repeating: 7, count: 5_000)))   // an earlier, different report
        #expect(AuditPipeline.replace(path, with: bytes))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["report.json"])
    }
}
