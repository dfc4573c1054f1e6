import Testing
@testable import FairRecruitCore

@Suite struct CoresTests {
    @Test(arguments: [false, true])
    func mapKeepsTheOrderWhereverEachRuns(onAllCores: Bool) {
        #expect(Cores.map(1_000, onAllCores: onAllCores) { "\($0 * $0)" } == (0..<1_000).map { "\($0 * $0)" })
        #expect(Cores.map(0, onAllCores: onAllCores) { $0 }.isEmpty)
    }

    @Test(arguments: [false, true])
    func togetherReturnsEachResultInItsPlace(onAllCores: Bool) {
        let (text, number, list) = Cores.together(onAllCores: onAllCores, { "a" + "b" }, { 6 * 7 }, { [1, 2, 3].reversed() as [Int] })
        #expect(text == "ab" && number == 42 && list == [3, 2, 1])
    }
}
