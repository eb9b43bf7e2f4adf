import NIOCore

/// Runs a task on one event loop: the loop of the PostgreSQL connection the task is using.
///
/// A statement's answer arrives on the connection's event loop. A task on Swift's global executor was woken
/// from there on every round trip (and went back there to send the next statement): two thread hand-offs per
/// statement. A transaction's task on its connection's loop goes on in the same thread instead.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
