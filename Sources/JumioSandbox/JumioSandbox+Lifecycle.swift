import AsyncHTTPClient
import Foundation
import JumioKit
import KeyflowJSON
import NIOCore
import NIOFoundationCompat

extension JumioSandbox {
    /// The journey page opened: the token is used and a session begins.
    func startJourney(authorizationToken: String) throws(SandboxError) {
        settle()
        let now = clock.now()
        try state.withLock { state throws(SandboxError) in
            guard let id = state.executionByAuthorization[authorizationToken], let execution = state.executions[id] else {
                throw .unauthorized("The authorization token is unknown")
            }
            guard execution.status == .initiated else { throw .forbidden("This journey is \(execution.status.rawValue)") }
            state.executions[id]?.startedAt = execution.startedAt ?? now
            state.executions[id]?.lastActivityAt = now
        }
    }

    /// The journey was submitted: images are acquired and processing begins. `.expire` instead lets the
    /// session lapse at once.
    func submitJourney(authorizationToken: String, outcome chosen: SandboxOutcome) throws(SandboxError)
        -> SandboxExecution
    {
        settle()
        let now = clock.now()
        let base = publicBaseURL
        let execution = try state.withLock { state throws(SandboxError) -> SandboxExecution in
            guard let id = state.executionByAuthorization[authorizationToken], var execution = state.executions[id] else {
                throw .unauthorized("The authorization token is unknown")
            }
            guard execution.status == .initiated else { throw .forbidden("This journey is \(execution.status.rawValue)") }
            let outcome = execution.outcome ?? chosen
            execution.outcome = outcome
            execution.startedAt = execution.startedAt ?? now
            if outcome == .expire {
                execution.lastActivityAt = now.addingTimeInterval(-Double(configuration.sessionTimeout.components.seconds))
            } else {
                execution.status = .acquired
                execution.acquiredAt = now
                if state.faults.callbackBeforeProcessed {
                    Self.enqueue(execution, status: .processed, base: base, now: now, into: &state)
                }
            }
            state.executions[id] = execution
            return execution
        }
        settle()
        return execution
    }

    /// Applies every change the clock has made due: expiries and finished processing, with their callbacks.
    func settle() {
        let now = clock.now()
        let processing = Double(configuration.processingDelay.components.seconds)
            + Double(configuration.processingDelay.components.attoseconds) / 1e18
        let session = Double(configuration.sessionTimeout.components.seconds)
        let base = publicBaseURL
        state.withLock { state in
            for id in state.unsettled {
                guard let execution = state.executions[id], !execution.status.isFinal else {
                    state.unsettled.remove(id)
                    continue
                }
                var next: JumioExecutionStatus?
                switch execution.status {
                case .initiated where execution.startedAt == nil && execution.tokenExpiresAt <= now:
                    next = .tokenExpired
                case .initiated where (execution.lastActivityAt ?? now).addingTimeInterval(session) <= now:
                    next = .sessionExpired
                case .acquired where (execution.acquiredAt ?? now).addingTimeInterval(processing) <= now:
                    next = .processed
                default:
                    next = nil
                }
                guard let next else { continue }
                if next.isFinal { state.unsettled.remove(id) }
                state.executions[id]?.status = next
                state.executions[id]?.processedAt = now
                let updated = state.executions[id]!
                if !(next == .processed && state.faults.callbackBeforeProcessed) {
                    Self.enqueue(updated, status: next, base: base, now: now, into: &state)
                }
                if state.faults.outOfOrderCallbacks {
                    Self.enqueue(updated, status: .acquired, base: base, now: now, into: &state)
                }
            }
        }
    }

    static func enqueue(
        _ execution: SandboxExecution, status: JumioExecutionStatus, base: String, now: Date, into state: inout State
    ) {
        guard let url = execution.callbackURL else { return }
        if state.faults.dropCallbackRate > 0, Double.random(in: 0..<1) < state.faults.dropCallbackRate { return }
        guard let body = try? JSONCoding.encodedData(execution.callback(status: status, base: base, at: now)) else { return }
        let copies = state.faults.duplicateCallbacks ? 2 : 1
        for _ in 0..<copies { state.pendingCallbacks.append(PendingCallback(url: url, body: body, attempt: 0, notBefore: now)) }
    }

    /// Settles the clock and sends the callbacks that are due; failed ones are retried with back-off.
    public func tick() async {
        settle()
        guard !configuration.holdsCallbacks else { return }
        let now = clock.now()
        let due = state.withLock { state -> [PendingCallback] in
            let due = state.pendingCallbacks.filter { $0.notBefore <= now }
            state.pendingCallbacks.removeAll { $0.notBefore <= now }
            return due
        }
        for callback in due {
            if await deliver(callback) { continue }
            let attempt = callback.attempt + 1
            guard attempt < configuration.callbackAttempts else {
                logger.warning("callback given up", metadata: ["url": "\(callback.url)"])
                continue
            }
            let delay = Double(configuration.callbackRetryBase.components.seconds) * pow(2, Double(attempt - 1))
                + Double(configuration.callbackRetryBase.components.attoseconds) / 1e18 * pow(2, Double(attempt - 1))
            var retry = callback
            retry.attempt = attempt
            retry.notBefore = now.addingTimeInterval(delay)
            state.withLock { $0.pendingCallbacks.append(retry) }
        }
    }

    /// The callbacks due so far, for a host that sends them itself (`holdsCallbacks`); each is handed out once.
    public func takeHeldCallbacks() -> [HeldCallback] {
        settle()
        return state.withLock { state in
            defer { state.pendingCallbacks.removeAll() }
            return state.pendingCallbacks.map { HeldCallback(url: $0.url, body: $0.body) }
        }
    }

    private func deliver(_ callback: PendingCallback) async -> Bool {
        var request = HTTPClientRequest(url: callback.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Jumio Callback (Keyflow sandbox)")
        request.body = .bytes(ByteBuffer(data: callback.body))
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (200..<300).contains(response.status.code)
        } catch {
            logger.info("callback delivery failed", metadata: ["url": "\(callback.url)", "error": "\(error)"])
            return false
        }
    }
}
