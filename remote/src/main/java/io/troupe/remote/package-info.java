/** Remote actors over Aeron. */
package io.troupe.remote;
