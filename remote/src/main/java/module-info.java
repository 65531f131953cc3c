/**
 * Remote actors over Aeron (issue 17): {@code troupe://system@host:port/user/path} refs that reach
 * actors in other processes with the same {@link io.troupe.actors.ActorRef} verbs, explicit codecs,
 * and death watch across nodes.
 */
module io.troupe.remote {
    requires transitive io.troupe.actors;
    requires io.aeron.client;
    requires io.aeron.driver;
    requires org.agrona;
    exports io.troupe.remote;
}
