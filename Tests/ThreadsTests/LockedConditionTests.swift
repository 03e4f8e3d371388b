import Testing
import Threads
#if canImport(Glibc)
import Glibc
#endif

@Suite struct LockedConditionTests {
    /// Eight threads add 20,000 each: a lost update (a lock that does not
    /// exclude) shows as a smaller total.
    @Test func updatesFromManyThreadsAreNotLost() {
        let counter = LockedCondition(0)
        let threads = (0..<8).map { WorkerThread(name: "adder-\($0)") }
        for thread in threads {
            thread.start {
                for _ in 0..<20_000 { counter.withLock { $0.state += 1 } }
            }
        }
        threads.forEach { $0.join() }
        #expect(counter.withLock { $0.state } == 160_000)
    }

    /// A waiter without deadline is woken by a broadcast and sees the state
    /// the broadcaster set under the lock.
    @Test func aBroadcastWakesAWaiterWhichSeesTheNewState() {
        let shared = LockedCondition((ready: false, seen: ""))
        let waiter = WorkerThread(name: "waiter")
        waiter.start {
            shared.withLock { locked in
                while !locked.state.ready { locked.wait() }
                locked.state.seen = "woken"
            }
        }
        usleep(20_000)
        shared.withLock { locked in
            locked.state.ready = true
            locked.broadcast()
        }
        waiter.join()
        #expect(shared.withLock { $0.state.seen } == "woken")
    }

    /// A wait with a deadline returns true when woken, long before the deadline.
    @Test func aWokenTimedWaitReturnsTrueBeforeItsDeadline() {
        let shared = LockedCondition(false)
        let started = ContinuousClock.now
        let woken = LockedBox(false)
        let waiter = WorkerThread(name: "timed-waiter")
        waiter.start {
            let result = shared.withLock { locked -> Bool in
                while !locked.state {
                    if !locked.wait(for: .seconds(30)) { return false }
                }
                return true
            }
            woken.withLock { $0 = result }
        }
        usleep(20_000)
        shared.withLock { locked in
            locked.state = true
            locked.broadcast()
        }
        waiter.join()
        #expect(woken.withLock { $0 })
        #expect(started.duration(to: .now) < .seconds(10))
    }

    /// Nobody signals: the wait times out (false) after its duration, not before.
    @Test func anUnansweredWaitTimesOutAfterItsDuration() {
        let shared = LockedCondition(0)
        let started = ContinuousClock.now
        let result = shared.withLock { $0.wait(for: .milliseconds(80)) }
        let took = started.duration(to: .now)
        #expect(result == false)
        #expect(took >= .milliseconds(80))
        #expect(took < .seconds(5))
    }

    /// A deadline already past, or a duration of zero or less, only looks.
    @Test func aPastDeadlineOrANegativeDurationReturnsAtOnce() {
        let shared = LockedCondition(0)
        let started = ContinuousClock.now
        #expect(shared.withLock { $0.wait(until: started - .seconds(1)) } == false)
        #expect(shared.withLock { $0.wait(for: .seconds(-3)) } == false)
        #expect(shared.withLock { $0.wait(for: .zero) } == false)
        #expect(started.duration(to: .now) < .seconds(2))
    }

    /// A bounded queue between a producer and a consumer that both wait on
    /// the one condition: every item arrives once, in order.
    @Test func aBoundedHandOverDeliversEveryItemInOrder() {
        struct Queue { var items: [Int] = []; var done = false }
        let queue = LockedCondition(Queue())
        let received = LockedBox<[Int]>([])
        let consumer = WorkerThread(name: "consumer")
        consumer.start {
            var got: [Int] = []
            while true {
                let (batch, finished) = queue.withLock { locked -> ([Int], Bool) in
                    while locked.state.items.isEmpty && !locked.state.done { locked.wait() }
                    let batch = locked.state.items
                    locked.state.items.removeAll()
                    locked.broadcast()  // room for the producer
                    return (batch, locked.state.done)
                }
                got += batch
                if finished && batch.isEmpty { break }
            }
            received.withLock { $0 = got }
        }
        for i in 0..<20_000 {
            queue.withLock { locked in
                while locked.state.items.count >= 16 { locked.wait() }
                locked.state.items.append(i)
                locked.broadcast()
            }
        }
        queue.withLock { locked in
            locked.state.done = true
            locked.broadcast()
        }
        consumer.join()
        #expect(received.withLock { $0 } == Array(0..<20_000))
    }
}

@Suite struct WorkerThreadTests {
    /// The body runs on a thread of its own, and `join` returns only after it has finished.
    @Test func runsTheBodyOnItsOwnThreadAndJoinWaitsForIt() {
        let caller = pthread_self()
        let ran = LockedBox<(onOtherThread: Bool, finished: Bool)>((false, false))
        let thread = WorkerThread(name: "body")
        thread.start {
            let other = pthread_equal(pthread_self(), caller) == 0
            usleep(50_000)
            ran.withLock { $0 = (other, true) }
        }
        thread.join()
        #expect(ran.withLock { $0.finished })
        #expect(ran.withLock { $0.onOtherThread })
    }

    /// `join` without a running thread does nothing; after a join the thread may be started again.
    @Test func joinIsIdempotentAndAJoinedThreadCanStartAgain() {
        let runs = LockedBox(0)
        let thread = WorkerThread(name: "again")
        thread.join()
        thread.start { runs.withLock { $0 += 1 } }
        thread.join()
        thread.join()
        thread.start { runs.withLock { $0 += 1 } }
        thread.join()
        #expect(runs.withLock { $0 } == 2)
    }
}

@Suite struct LockedBoxTests {
    /// Eight threads contend for one box: no update is lost, and (under
    /// `make test-tsan`) ThreadSanitizer sees the lock, unlike a contended
    /// Synchronization.Mutex on Linux.
    @Test func contendedUpdatesAreNotLost() {
        let box = LockedBox((count: 0, perThread: [Int](repeating: 0, count: 8)))
        let threads = (0..<8).map { WorkerThread(name: "box-\($0)") }
        for (i, thread) in threads.enumerated() {
            thread.start {
                for _ in 0..<20_000 {
                    box.withLock {
                        $0.count += 1
                        $0.perThread[i] += 1
                    }
                }
            }
        }
        threads.forEach { $0.join() }
        #expect(box.withLock { $0.count } == 160_000)
        #expect(box.withLock { $0.perThread } == [Int](repeating: 20_000, count: 8))
    }

    /// What the body throws comes out of `withLock`, and the lock is free again afterwards.
    @Test func aThrowingBodyReleasesTheLock() {
        struct Refused: Error {}
        let box = LockedBox(1)
        #expect(throws: Refused.self) { try box.withLock { _ throws(Refused) in throw Refused() } }
        let other = WorkerThread(name: "after-throw")
        other.start { box.withLock { $0 += 1 } }
        other.join()
        #expect(box.withLock { $0 } == 2)
    }
}
