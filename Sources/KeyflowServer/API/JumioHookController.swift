import Hummingbird

/// `POST /hooks/jumio/{token}` on the router: the callbacks `CallbackTap` leaves to it, those arriving on a
/// connection with one of the router's requests still open (their answers must keep their turn). Each is handed
/// to the `CallbackInbox`, which checks the token and the sender and stores it with the job that processes it,
/// and answered 200 once stored.
struct JumioHookController {
    let intake: CallbackIntake

    func addRoutes(to router: Router<KeyflowRequestContext>) {
        router.post("hooks/jumio/:token", use: receive)
    }

    @Sendable func receive(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: CallbackIntake.largestBody)
        } catch {
            throw CallbackIntake.tooLarge
        }
        let arrival = intake.arrival(
            token: context.parameters.get("token") ?? "", body: body, peer: context.remoteAddress,
            forwardedFor: request.headers[CallbackIntake.forwardedFor], requestID: context.requestID)
        if let error = intake.settle(try await intake.inbox.receive(arrival), of: arrival, peer: context.remoteAddress) {
            throw error
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: CallbackIntake.received))
    }
}
