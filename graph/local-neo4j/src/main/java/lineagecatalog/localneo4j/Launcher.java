package lineagecatalog.localneo4j;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.procedure.Procedure;
import org.neo4j.procedure.UserAggregationFunction;
import org.neo4j.procedure.UserFunction;

/**
 * Opens an embedded Neo4j Community database in a data directory and serves it
 * over Bolt on 127.0.0.1 only. Prints one "READY bolt://..." line when the
 * connector accepts connections and shuts down cleanly on SIGTERM/SIGINT.
 *
 * <p>When APOC core is on the classpath (the pom's opt-in "apoc" profile, used by the
 * benchmark only), its procedures and functions are registered: an embedded DBMS does not
 * load a plugins folder.
 *
 * <p>Usage: Launcher DATA_DIR PORT [PAGECACHE_MB [TX_TIMEOUT_MS]]
 *
 * <p>TX_TIMEOUT_MS is the default transaction timeout (10 minutes unless given; a test that
 * checks what outlives it passes a short one); the monitor that enforces it checks ten
 * times per timeout, at most every 2 seconds (Neo4j's default interval).
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 2) {
      System.err.println("usage: Launcher DATA_DIR PORT [PAGECACHE_MB [TX_TIMEOUT_MS]]");
      System.exit(2);
    }
    Path dataDir = Path.of(args[0]).toAbsolutePath();
    int port = Integer.parseInt(args[1]);
    long pageCacheMb = args.length > 2 ? Long.parseLong(args[2]) : 512;
    Duration txTimeout =
        args.length > 3 ? Duration.ofMillis(Long.parseLong(args[3])) : Duration.ofMinutes(10);
    Duration monitorInterval = txTimeout.dividedBy(10);
    if (monitorInterval.compareTo(Duration.ofSeconds(2)) > 0) {
      monitorInterval = Duration.ofSeconds(2);
    }

    // Auth is off because the connector only listens on loopback and the
    // process belongs to the developer; any credentials the driver sends are accepted.
    Class<?> apoc = apocOnClasspath();
    DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(dataDir);
    if (apoc != null) {
      builder.setConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("apoc.*"));
    }
    DatabaseManagementService service =
        builder
            .setConfig(BoltConnector.enabled, true)
            .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
            .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
            .setConfig(HttpConnector.enabled, false)
            .setConfig(GraphDatabaseSettings.auth_enabled, false)
            .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
            .setConfig(GraphDatabaseSettings.transaction_timeout, txTimeout)
            .setConfig(GraphDatabaseSettings.transaction_monitor_check_interval, monitorInterval)
            .build();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  service.shutdown();
                  System.out.println("STOPPED");
                  System.out.flush();
                  stopped.countDown();
                },
                "local-neo4j-shutdown"));

    // Touch the default database so that "ready" means queries will succeed: given its own
    // timeout, as the first query's planning can outlast a short default one. If it fails,
    // exit (the shutdown hook stops the DBMS), instead of running on with a dead main thread.
    var db = service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    try {
      db.executeTransactionally("RETURN 1", Map.of(), result -> null, Duration.ofMinutes(2));
      if (apoc != null) {
        int registered = registerApoc(apoc, (GraphDatabaseAPI) db);
        System.out.println("APOC " + registered + " procedure and function classes registered");
      }
    } catch (RuntimeException e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.out.println("READY bolt://127.0.0.1:" + port);
    System.out.flush();
    stopped.await();
  }

  private static Class<?> apocOnClasspath() {
    try {
      return Class.forName("apoc.ApocConfig", false, Launcher.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      return null;
    }
  }

  /** Registers every APOC class in the jar that holds `marker` that declares procedures. */
  private static int registerApoc(Class<?> marker, GraphDatabaseAPI db) {
    GlobalProcedures procedures =
        db.getDependencyResolver().resolveDependency(GlobalProcedures.class);
    ClassLoader loader = Launcher.class.getClassLoader();
    int registered = 0;
    try (JarFile jar = new JarFile(jarOf(marker))) {
      Enumeration<JarEntry> entries = jar.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        if (!name.startsWith("apoc/") || !name.endsWith(".class")) {
          continue;
        }
        String className = name.substring(0, name.length() - 6).replace('/', '.');
        try {
          Class<?> type = Class.forName(className, false, loader);
          boolean any = false;
          if (declares(type, Procedure.class)) {
            procedures.registerProcedure(type);
            any = true;
          }
          if (declares(type, UserFunction.class)) {
            procedures.registerFunction(type);
            any = true;
          }
          if (declares(type, UserAggregationFunction.class)) {
            procedures.registerAggregationFunction(type);
            any = true;
          }
          registered += any ? 1 : 0;
        } catch (Exception | LinkageError e) {
          // A class whose optional dependencies (Arrow, cloud storage) are not on the
          // classpath: its procedures stay unavailable, the others work.
          continue;
        }
      }
    } catch (IOException | URISyntaxException e) {
      System.out.println("APOC not registered: " + e);
    }
    return registered;
  }

  private static java.io.File jarOf(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toFile();
  }

  private static boolean declares(
      Class<?> type, Class<? extends java.lang.annotation.Annotation> annotation) {
    for (Method method : type.getDeclaredMethods()) {
      if (method.isAnnotationPresent(annotation)) {
        return true;
      }
    }
    return false;
  }
}
