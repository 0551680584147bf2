package org.deepdefense.kafka;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J provider of the broker's JVM: INFO and above to standard output, which
 * {@link LocalKafkaBroker} appends to {@code broker.log}. The broker shares its parent's classpath, and
 * what provider that holds varies: in a {@code @QuarkusTest} it is JBoss LogManager's, which stays silent
 * outside Quarkus. So the child names this one with {@code -Dslf4j.provider}; it is deliberately not
 * registered as a service, so no other JVM ever picks it.
 */
public final class BrokerLogProvider implements SLF4JServiceProvider {

    private final ILoggerFactory loggers = ConsoleLogger::new;
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
    }

    private static final class ConsoleLogger extends LegacyAbstractLogger {

        ConsoleLogger(String name) {
            this.name = name;
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            var line = new StringWriter();
            var out = new PrintWriter(line);
            out.printf("%s %-5s [%s] %s%n", Instant.now(), level, name,
                    MessageFormatter.basicArrayFormat(pattern, arguments));
            if (throwable != null) {
                throwable.printStackTrace(out);
            }
            System.out.print(line); // one call, so lines of concurrent threads do not interleave
        }
    }
}
