import Foundation

/// A unit of background work in the durable queue.
public struct Job: Sendable, Equatable {
    public enum Status: String, Sendable {
        case queued
        case running
        case done
        /// Failed `maxAttempts` times; kept for a person to look at.
        case dead
    }

    public var id: UUID
    public var queue: String
    public var payload: String
    public var status: Status
    public var attempts: Int
    public var maxAttempts: Int
    public var runAt: Date
    public var leaseUntil: Date?
    public var lockedBy: String?
    public var lastError: String?
    /// The request that led to the job, for following it through the logs.
    public var requestID: String? = nil
}

/// A job whose work must not be queued twice: one whose key the queue already holds is not added.
public struct UniqueJob: Sendable, Equatable {
    public var queue: String
    public var payload: String
    public var runAt: Date
    public var uniqueKey: String
    public var requestID: String?
    public var maxAttempts = 10

    public init(queue: String, payload: String, runAt: Date, uniqueKey: String, requestID: String?) {
        self.queue = queue
        self.payload = payload
        self.runAt = runAt
        self.uniqueKey = uniqueKey
        self.requestID = requestID
    }
}

/// How much waits in one queue: jobs queued, and how long the oldest due one has waited.
public struct QueueDepth: Sendable, Equatable {
    public var queue: String
    public var queued: Int
    public var running: Int
    public var oldestWaitSeconds: Double
}

/// How long a failed job waits before its next attempt: doubling from `base`, never more than `cap`.
public struct RetryPolicy: Sendable, Equatable {
    public var base: Double
    public var cap: Double

    public init(base: Double = 5, cap: Double = 3600) {
        self.base = base
        self.cap = cap
    }

    public func delay(afterAttempt attempt: Int) -> Double {
        min(cap, base * pow(2, Double(max(attempt, 1) - 1)))
    }
}
