package io.troupe.benchmarks.peers.remote;

import java.nio.ByteBuffer;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.JSerializer;

/**
 * Pekko's fastest serialization of {@link PekkoRemotePingPongBenchmark.Ping}: its int as 4 bytes,
 * no manifest (the serializer id alone names the class), written straight into Artery's envelope
 * buffer ({@link ByteBufferSerializer}, which Artery prefers over the {@code byte[]} path). Bound
 * to the class in the benchmark's configuration; Java serialization stays off.
 */
public final class PekkoPingSerializer extends JSerializer implements ByteBufferSerializer {
    /** Outside Pekko's reserved range (0 to 40). */
    static final int ID = 1_700_017;

    @Override
    public int identifier() {
        return ID;
    }

    @Override
    public boolean includeManifest() {
        return false;
    }

    @Override
    public byte[] toBinary(Object o) {
        final int n = ((PekkoRemotePingPongBenchmark.Ping) o).n();
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }

    @Override
    public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
        return new PekkoRemotePingPongBenchmark.Ping(ByteBuffer.wrap(bytes).getInt());
    }

    @Override
    public void toBinary(Object o, ByteBuffer buf) {
        buf.putInt(((PekkoRemotePingPongBenchmark.Ping) o).n());
    }

    @Override
    public Object fromBinary(ByteBuffer buf, String manifest) {
        return new PekkoRemotePingPongBenchmark.Ping(buf.getInt());
    }
}
