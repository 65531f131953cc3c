/**
 * Supervision: restart, resume, stop and escalate directives for any actor, restart intensity
 * and backoff, and OTP-style supervisor actors.
 */
module io.troupe.supervision {
    requires transitive io.troupe.actors;
    exports io.troupe.supervision;
}
