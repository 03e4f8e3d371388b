import Threads
import Logging
import ServiceLifecycle
import Testing
import VitalgateAgent

/// Parts on real threads, run the way the agent runs them (ThreadService in
/// a ServiceGroup): a part's thread that ends by itself fails its service
/// and stops the agent; a shutdown stops the parts in reverse order.
@Suite struct ThreadServiceTests {
    /// What happened, in order, across the parts' threads.
    final class Journal: Sendable {
        let entries = LockedBox<[String]>([])
        func note(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    /// Works until told to stop, like the checkpointer.
    final class SteadyPart: LoopingPart, Sendable {
        let name: String
        let journal: Journal
        let loop: PartLoop<StopFlag>
        init(_ name: String, _ journal: Journal) {
            self.name = name
            self.journal = journal
            loop = PartLoop(name: name)
        }
        func run() {
            loop.lock.withLock { locked in
                while !locked.state.stopping { locked.wait() }
            }
            journal.note("\(name) stopped")
        }
    }

    /// Its thread returns at once, unasked: a part that died.
    final class DyingPart: LoopingPart, Sendable {
        let journal: Journal
        let loop = PartLoop(name: "dying")
        init(_ journal: Journal) { self.journal = journal }
        func run() { journal.note("dying ended") }
        func willStop() { journal.note("dying told to stop") }
    }

    @Test func aThreadThatEndsByItselfFailsItsService() async throws {
        let journal = Journal()
        let error = await #expect(throws: PartThreadEnded.self) {
            try await ThreadService(DyingPart(journal)).run()
        }
        #expect(error?.description.contains("the DyingPart thread ended without being asked to stop") == true)
        // The service still stopped and joined the part after it ended.
        #expect(journal.all == ["dying ended", "dying told to stop"])
    }

    @Test func aDeadPartStopsTheAgentInShutdownOrderWithAnError() async throws {
        let journal = Journal()
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ThreadService(SteadyPart("first", journal)), failureTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: ThreadService(SteadyPart("second", journal)), failureTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: ThreadService(DyingPart(journal)), failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
        let group = ServiceGroup(configuration: .init(services: services, logger: Logger(label: "thread-service-test")))
        await #expect(throws: PartThreadEnded.self) { try await group.run() }
        // The healthy parts stopped, the later one first, as on SIGTERM.
        let stops = journal.all.filter { $0.hasSuffix(" stopped") }
        #expect(stops == ["second stopped", "first stopped"], "\(journal.all)")
    }

    @Test func aShutdownStopsEveryPartInReverseOrderWithoutError() async throws {
        let journal = Journal()
        let shutdowns = Journal()
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ThreadService(SteadyPart("first", journal))),
            .init(service: ThreadService(SteadyPart("second", journal), onShutdown: { shutdowns.note("second told") })),
        ]
        let group = ServiceGroup(configuration: .init(services: services, logger: Logger(label: "thread-service-test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(200))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(journal.all == ["second stopped", "first stopped"])
        #expect(shutdowns.all == ["second told"])
    }
}
