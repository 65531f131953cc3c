package io.troupe.actors.fs;

import io.troupe.actors.ActorRef;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

/** What {@link FileIo} sends back: results, chunks, acknowledgements and errors. Immutable. */
public sealed interface FileEvent {
    /**
     * A file opened for reading; send {@link FileIo.ReaderCommand.Request} to {@code reader} for chunks.
     *
     * @param path the file
     * @param size its size in bytes when opened
     * @param reader the actor that reads it
     */
    record ReadOpened(Path path, long size, ActorRef<FileIo.ReaderCommand> reader) implements FileEvent {}

    /**
     * The next bytes of a file being read, in file order.
     *
     * @param path the file
     * @param offset where in the file the bytes start
     * @param bytes the bytes (owned by the receiver from now on; never empty)
     */
    record Chunk(Path path, long offset, byte[] bytes) implements FileEvent {}

    /**
     * The end of a file being read; the reader has closed it and stopped.
     *
     * @param path the file
     * @param totalBytes the bytes sent in chunks
     */
    record EndOfFile(Path path, long totalBytes) implements FileEvent {}

    /**
     * A file opened (created or truncated) for writing; send {@link FileIo.WriterCommand}s to {@code writer}.
     *
     * @param path the file
     * @param writer the actor that writes it
     */
    record WriteOpened(Path path, ActorRef<FileIo.WriterCommand> writer) implements FileEvent {}

    /**
     * A chunk is on disk (written to the file, not necessarily synced).
     *
     * @param path the file
     * @param sequence the chunk's number, from 0, in the order written
     * @param totalBytes the bytes written so far
     */
    record Written(Path path, long sequence, long totalBytes) implements FileEvent {}

    /**
     * A file being written is synced and closed; the writer has stopped.
     *
     * @param path the file
     * @param totalBytes its length
     */
    record WriteClosed(Path path, long totalBytes) implements FileEvent {}

    /**
     * A file's or directory's attributes.
     *
     * @param path the path
     * @param size the size in bytes
     * @param directory whether it is a directory
     * @param lastModified when it was last modified
     */
    record Metadata(Path path, long size, boolean directory, FileTime lastModified) implements FileEvent {}

    /**
     * A directory's entries, sorted by name.
     *
     * @param path the directory
     * @param entries its entries
     */
    record DirectoryListing(Path path, List<Path> entries) implements FileEvent {}

    /**
     * A whole small file.
     *
     * @param path the file
     * @param bytes its content
     */
    record FileContent(Path path, byte[] bytes) implements FileEvent {}

    /**
     * An operation failed; whatever it opened is closed.
     *
     * @param path the path it was about
     * @param operation what was tried: open, read, write, close, metadata, list
     * @param kind the kind of failure
     * @param message the system's message
     */
    record FileError(Path path, String operation, Kind kind, String message) implements FileEvent {
        /** Kinds of file failures. */
        public enum Kind {
            /** No such file or directory. */
            NOT_FOUND,
            /** Permission denied, or a read-only file system. */
            ACCESS_DENIED,
            /** Not a directory (listing a file). */
            NOT_A_DIRECTORY,
            /** Too much for one message (a whole-file read above its limit). */
            TOO_LARGE,
            /** The blocking pool was saturated: try again later. */
            REJECTED,
            /**
             * A writer was sent more than {@link FileIo#MAX_WAITING_WRITES} commands it had not
             * started yet: the sender must wait for {@link Written} (the writer stops; what its
             * last {@code Written} counted is on disk).
             */
            OVERLOADED,
            /** Any other I/O failure. */
            IO_ERROR
        }
    }
}
