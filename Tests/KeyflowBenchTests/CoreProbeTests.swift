import Testing

@testable import KeyflowBench

@Suite("The benchmark's probe of the cores' own speed")
struct CoreProbeTests {
    /// Runs every 2 ms from 0, each taking `ordinary` ns but those at the given indices, which take 10 times as long.
    private func runs(count: Int, slow: Set<Int>, ordinary: UInt64 = 22_000) -> [CoreProbe.Run] {
        (0..<count).map { index in
            CoreProbe.Run(start: UInt64(index) * 2_000_000, nanoseconds: slow.contains(index) ? ordinary * 10 : ordinary)
        }
    }

    @Test("a phase with no slow runs, or a few scattered ones, shows no slow stretch")
    func scatteredSlowRunsAreNotAStretch() {
        #expect(CoreProbe.slowMilliseconds(runs(count: 500, slow: [])) == 0)
        // Two in one 20 ms stretch, one in the next, one far away: chance, not a slow machine.
        #expect(CoreProbe.slowMilliseconds(runs(count: 500, slow: [3, 7, 12, 300])) == 0)
    }

    @Test("each 20 ms stretch with three or more slow runs counts 20 ms")
    func stretchesWithThreeSlowRunsCount() {
        // Runs 10–19 are the second stretch, 40–49 the fifth; all slow in the one, three in the other.
        let slow = Set(10..<20).union([41, 45, 49])
        #expect(CoreProbe.slowMilliseconds(runs(count: 500, slow: slow)) == 40)
    }

    @Test("a run is slow from three times the phase's median on")
    func slowMeansThreeTimesTheMedian() {
        var phase = runs(count: 500, slow: [])
        for index in 20..<23 { phase[index].nanoseconds = 65_000 }
        #expect(CoreProbe.slowMilliseconds(phase) == 0)
        for index in 20..<23 { phase[index].nanoseconds = 66_000 }
        #expect(CoreProbe.slowMilliseconds(phase) == 20)
    }
}
