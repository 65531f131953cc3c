package io.troupe.actors.fs;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.Signal;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Terminated;
import io.troupe.actors.fs.FileEvent.FileError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;

/**
 * Files as actors (what {@code tokio::fs} is to Tokio): every file system call runs on the
 * system's bounded blocking pool ({@link io.troupe.actors.ActorContext#spawnBlocking}), never on
 * a dispatcher thread, and its result or failure comes back as a {@link FileEvent} message.
 * Failures are {@link FileError}s naming the path, the operation and the kind; nothing throws
 * at the caller except for bad arguments.
 *
 * <p>Reading streams with credit: {@link #openRead} answers {@link FileEvent.ReadOpened}; the
 * reader sends one {@link FileEvent.Chunk} per chunk of credit given with
 * {@link ReaderCommand.Request}, then {@link FileEvent.EndOfFile}. Writing is acknowledged:
 * each {@link WriterCommand.Write} is answered with {@link FileEvent.Written} once on disk, and
 * {@link WriterCommand.Close} with {@link FileEvent.WriteClosed}. So a copy holds at most its
 * credit in memory, whatever the file's size. A writer holds at most
 * {@link #MAX_WAITING_WRITES} commands waiting behind the one being written: a sender that does
 * not wait for {@link FileEvent.Written} and goes beyond that gets a {@link FileEvent.FileError}
 * of kind {@code OVERLOADED} (never an unbounded queue). Reader and writer are actors under
 * {@code /system}; each watches the actor it answers and closes its file when that one stops.
 *
 * <p>All methods may be called from any thread; each spawns one small actor.
 */
public final class FileIo {
    /*
     * Threading protocol: each operation is an actor; its file handle is touched only inside
     * spawnBlocking tasks, one at a time (the actor starts the next only when the last one's
     * result came back), so the channel needs no lock. Results come back as messages.
     * Invariants: a reader has at most one read in flight and sends at most the credit granted;
     * a writer writes chunks in the order received, one at a time, and acknowledges each after
     * it is written; a reader or writer that stops (EOF, error, close, its peer stopped) closes
     * its channel in postStop.
     * Shutdown: the actors stop with /system; their postStop closes the files.
     * References: tokio::fs (blocking calls moved to spawn_blocking); Reactive Streams'
     * request(n) credit.
     */

    /**
     * The most commands a writer holds waiting behind the one being written (each one's bytes
     * stay in memory until written): beyond it the writer answers {@code OVERLOADED} and stops.
     */
    public static final int MAX_WAITING_WRITES = 1024;

    private FileIo() {}

    /** What a file reader accepts. */
    public sealed interface ReaderCommand {
        /**
         * Credit for {@code chunks} more chunks.
         *
         * @param chunks how many; positive
         */
        record Request(int chunks) implements ReaderCommand {
            /**
             * Checks the count.
             *
             * @param chunks how many; positive
             * @throws IllegalArgumentException if {@code chunks} is not positive
             */
            public Request {
                if (chunks <= 0) {
                    throw new IllegalArgumentException("chunks must be positive, was " + chunks);
                }
            }
        }

        /** Stop reading and close the file; nothing more is sent. */
        record Cancel() implements ReaderCommand {}
    }

    /** What a file writer accepts. */
    public sealed interface WriterCommand {
        /**
         * Append these bytes; answered with {@link FileEvent.Written}.
         *
         * @param bytes the bytes (not to be changed after sending)
         */
        record Write(byte[] bytes) implements WriterCommand {
            /**
             * Checks the bytes.
             *
             * @param bytes the bytes to append; not null
             */
            public Write {
                Objects.requireNonNull(bytes, "bytes");
            }
        }

        /** Sync and close the file; answered with {@link FileEvent.WriteClosed}. */
        record Close() implements WriterCommand {}
    }

    /**
     * Sends {@code replyTo} the {@link FileEvent.Metadata} of {@code path}, or a {@link FileError}.
     *
     * @param system the actor system
     * @param path the file or directory
     * @param replyTo who gets the answer
     */
    public static void metadata(ActorSystem system, Path path, ActorRef<? super FileEvent> replyTo) {
        oneShot(system, path, "metadata", replyTo, () -> {
            final BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return new FileEvent.Metadata(path, a.size(), a.isDirectory(), a.lastModifiedTime());
        });
    }

    /**
     * Sends {@code replyTo} the {@link FileEvent.DirectoryListing} of {@code directory}, or a {@link FileError}.
     *
     * @param system the actor system
     * @param directory the directory to list
     * @param replyTo who gets the answer
     */
    public static void list(ActorSystem system, Path directory, ActorRef<? super FileEvent> replyTo) {
        oneShot(system, directory, "list", replyTo, () -> {
            final List<Path> entries = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(directory)) {
                s.forEach(entries::add);
            }
            entries.sort(null);
            return new FileEvent.DirectoryListing(directory, List.copyOf(entries));
        });
    }

    /**
     * Sends {@code replyTo} the whole content of a small file as {@link FileEvent.FileContent},
     * or a {@link FileError} ({@code TOO_LARGE} above {@code maxBytes}: stream it with {@link #openRead}).
     *
     * @param system the actor system
     * @param path the file to read
     * @param maxBytes the largest file accepted, in bytes; positive
     * @param replyTo who gets the answer
     */
    public static void readAll(ActorSystem system, Path path, int maxBytes, ActorRef<? super FileEvent> replyTo) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
        oneShot(system, path, "read", replyTo, () -> {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                if (ch.size() > maxBytes) {
                    return new FileError(path, "read", FileError.Kind.TOO_LARGE,
                            "file has " + ch.size() + " bytes, more than maxBytes " + maxBytes);
                }
                return new FileEvent.FileContent(path, Files.readAllBytes(path));
            }
        });
    }

    /**
     * Writes {@code bytes} as the whole content of {@code path} (created or truncated); answers {@link FileEvent.WriteClosed} or a {@link FileError}.
     *
     * @param system the actor system
     * @param path the file to write
     * @param bytes its new content
     * @param replyTo who gets the answer
     */
    public static void writeAll(ActorSystem system, Path path, byte[] bytes, ActorRef<? super FileEvent> replyTo) {
        Objects.requireNonNull(bytes, "bytes");
        oneShot(system, path, "write", replyTo, () -> {
            Files.write(path, bytes);
            return new FileEvent.WriteClosed(path, bytes.length);
        });
    }

    /**
     * Opens {@code path} for reading in chunks of {@code chunkBytes}; {@code sink} receives
     * {@link FileEvent.ReadOpened}, then chunks as it gives credit, then {@link FileEvent.EndOfFile},
     * or a {@link FileError} at any point (the file is then closed).
     *
     * @param system the actor system
     * @param path the file to read
     * @param chunkBytes the size of each chunk, in bytes; positive
     * @param sink who gets the events and gives credit
     * @throws IllegalArgumentException if {@code chunkBytes} is not positive
     */
    public static void openRead(ActorSystem system, Path path, int chunkBytes, ActorRef<? super FileEvent> sink) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sink, "sink");
        if (chunkBytes <= 0) {
            throw new IllegalArgumentException("chunkBytes must be positive, was " + chunkBytes);
        }
        system.spawnSystemActor(() -> new Reader(path, chunkBytes, sink), SpawnOptions.defaults());
    }

    /**
     * Opens {@code path} for writing (created, or truncated if it exists); {@code owner} receives
     * {@link FileEvent.WriteOpened}, then one {@link FileEvent.Written} per write, then
     * {@link FileEvent.WriteClosed}, or a {@link FileError} at any point (the file is then closed).
     *
     * @param system the actor system
     * @param path the file to write
     * @param owner who gets the events and sends the writes
     */
    public static void openWrite(ActorSystem system, Path path, ActorRef<? super FileEvent> owner) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(owner, "owner");
        system.spawnSystemActor(() -> new Writer(path, owner), SpawnOptions.defaults());
    }

    private static void oneShot(ActorSystem system, Path path, String operation, ActorRef<? super FileEvent> replyTo,
                                Callable<FileEvent> op) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(replyTo, "replyTo");
        system.spawnSystemActor(() -> new Actor<FileEvent>() {
            @Override
            protected void preStart() {
                context().spawnBlocking(op, (event, failure) -> failure == null ? event : error(path, operation, failure));
            }

            @Override
            protected void receive(FileEvent event) {
                replyTo.tell(event);
                context().stop(self());
            }
        }, SpawnOptions.defaults());
    }

    /** The failure as a message: its kind from the exception's type. */
    static FileError error(Path path, String operation, Throwable failure) {
        final FileError.Kind kind;
        if (failure instanceof NoSuchFileException) {
            kind = FileError.Kind.NOT_FOUND;
        } else if (failure instanceof AccessDeniedException) {
            kind = FileError.Kind.ACCESS_DENIED;
        } else if (failure instanceof NotDirectoryException) {
            kind = FileError.Kind.NOT_A_DIRECTORY;
        } else if (failure instanceof FileSystemException f && f.getReason() != null
                && f.getReason().toLowerCase(java.util.Locale.ROOT).contains("read-only")) {
            kind = FileError.Kind.ACCESS_DENIED;
        } else if (failure instanceof RejectedExecutionException) {
            kind = FileError.Kind.REJECTED;
        } else {
            kind = FileError.Kind.IO_ERROR;
        }
        return new FileError(path, operation, kind, String.valueOf(failure.getMessage() == null ? failure : failure.getMessage()));
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing after a failure or at stop: nothing more to tell anyone
            }
        }
    }

    private record Opened(FileChannel channel, long size) {}

    private record ReadResult(byte[] bytes) {}

    private record WriteResult(long written) {}

    private record Failed(String operation, Throwable cause) {}

    /** Reads a file in chunks as credit comes. An actor: not thread safe. */
    private static final class Reader extends Actor<Object> {
        private final Path path;
        private final int chunkBytes;
        private final ActorRef<? super FileEvent> sink;
        private FileChannel channel;
        private long position;
        private long credit;
        private boolean reading;

        Reader(Path path, int chunkBytes, ActorRef<? super FileEvent> sink) {
            this.path = path;
            this.chunkBytes = chunkBytes;
            this.sink = sink;
        }

        @Override
        protected void preStart() {
            context().watch(sink);
            reading = true;
            context().spawnBlocking(() -> {
                final FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
                try {
                    return new Opened(ch, ch.size());
                } catch (IOException | RuntimeException e) {
                    closeQuietly(ch);
                    throw e;
                }
            }, (opened, failure) -> failure == null ? opened : new Failed("open", failure));
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void receive(Object m) {
            if (m instanceof Opened o) {
                reading = false;
                channel = o.channel();
                sink.tell(new FileEvent.ReadOpened(path, o.size(), (ActorRef<FileIo.ReaderCommand>) (ActorRef<?>) self()));
                readNext();
            } else if (m instanceof ReaderCommand.Request r) {
                credit += r.chunks();
                readNext();
            } else if (m instanceof ReadResult r) {
                reading = false;
                if (r.bytes() == null) {
                    sink.tell(new FileEvent.EndOfFile(path, position));
                    context().stop(self());
                    return;
                }
                credit--;
                sink.tell(new FileEvent.Chunk(path, position, r.bytes()));
                position += r.bytes().length;
                readNext();
            } else if (m instanceof Failed f) {
                sink.tell(error(path, f.operation(), f.cause()));
                context().stop(self());
            } else if (m instanceof ReaderCommand.Cancel) {
                context().stop(self());
            }
        }

        private void readNext() {
            if (reading || credit <= 0 || channel == null) {
                return;
            }
            reading = true;
            final FileChannel ch = channel;
            final long at = position;
            context().spawnBlocking(() -> {
                final ByteBuffer buffer = ByteBuffer.allocate(chunkBytes);
                while (buffer.hasRemaining()) {
                    final int n = ch.read(buffer, at + buffer.position());
                    if (n < 0) {
                        break;
                    }
                }
                return buffer.position() == 0 ? new ReadResult(null)
                        : new ReadResult(buffer.position() == chunkBytes ? buffer.array() : Arrays.copyOf(buffer.array(), buffer.position()));
            }, (result, failure) -> failure == null ? result : new Failed("read", failure));
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated) {
                context().stop(self()); // nobody to read for
            }
        }

        @Override
        protected void postStop() {
            closeQuietly(channel);
        }
    }

    /** Writes chunks in order, acknowledging each. An actor: not thread safe. */
    private static final class Writer extends Actor<Object> {
        private final Path path;
        private final ActorRef<? super FileEvent> owner;
        private final java.util.ArrayDeque<WriterCommand> pending = new java.util.ArrayDeque<>();
        private FileChannel channel;
        private boolean busy;
        private long sequence;
        private long total;

        Writer(Path path, ActorRef<? super FileEvent> owner) {
            this.path = path;
            this.owner = owner;
        }

        @Override
        protected void preStart() {
            context().watch(owner);
            busy = true;
            context().spawnBlocking(() -> new Opened(FileChannel.open(path, StandardOpenOption.WRITE,
                            StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING), 0),
                    (opened, failure) -> failure == null ? opened : new Failed("open", failure));
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void receive(Object m) {
            if (m instanceof Opened o) {
                busy = false;
                channel = o.channel();
                owner.tell(new FileEvent.WriteOpened(path, (ActorRef<FileIo.WriterCommand>) (ActorRef<?>) self()));
                next();
            } else if (m instanceof WriterCommand c) {
                if (pending.size() >= MAX_WAITING_WRITES) { // a sender that does not wait for Written
                    owner.tell(new FileEvent.FileError(path, "write", FileEvent.FileError.Kind.OVERLOADED,
                            "more than " + MAX_WAITING_WRITES + " writes waiting: wait for Written before sending more"));
                    context().stop(self());
                    return;
                }
                pending.add(c);
                next();
            } else if (m instanceof WriteResult r) {
                busy = false;
                total += r.written();
                owner.tell(new FileEvent.Written(path, sequence++, total));
                next();
            } else if (m instanceof Failed f) {
                owner.tell(error(path, f.operation(), f.cause()));
                context().stop(self());
            } else if (m == Closed.INSTANCE) {
                channel = null;
                owner.tell(new FileEvent.WriteClosed(path, total));
                context().stop(self());
            }
        }

        private enum Closed { INSTANCE }

        private void next() {
            if (busy || channel == null || pending.isEmpty()) {
                return;
            }
            busy = true;
            final FileChannel ch = channel;
            final WriterCommand c = pending.poll();
            if (c instanceof WriterCommand.Write w) {
                context().spawnBlocking(() -> {
                    final ByteBuffer b = ByteBuffer.wrap(w.bytes());
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    return new WriteResult(w.bytes().length);
                }, (result, failure) -> failure == null ? result : new Failed("write", failure));
            } else {
                context().spawnBlocking(() -> {
                    ch.force(true);
                    ch.close();
                    return Closed.INSTANCE;
                }, (result, failure) -> failure == null ? result : new Failed("close", failure));
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated) {
                context().stop(self()); // nobody to write for: close
            }
        }

        @Override
        protected void postStop() {
            closeQuietly(channel);
        }
    }
}
