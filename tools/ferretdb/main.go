// Command ferretdb runs FerretDB v1 for cronplane's local stack and tests, on its SQLite backend
// (the default) or on PostgreSQL (-handler=postgresql -postgresql-url=postgres://...).
//
// It embeds FerretDB as a library instead of building cmd/ferretdb: a cmd/ferretdb built from
// the module proxy panics at start-up because its version file is only generated in FerretDB's
// own source tree, while the embeddable package skips that check. The flag names follow
// cmd/ferretdb v1.24.2 (--handler, --postgresql-url; the handler is called "postgresql").
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	handler := flag.String("handler", "sqlite", "backend handler: sqlite or postgresql")
	dir := flag.String("sqlite-dir", "data", "directory for the SQLite databases (sqlite handler)")
	pgURL := flag.String("postgresql-url", "", "PostgreSQL URL (postgresql handler)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb: bad -log-level:", err)
		os.Exit(2)
	}

	config := ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Logger:   slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
		Handler:  *handler,
	}
	switch *handler {
	case "sqlite":
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "ferretdb:", err)
			os.Exit(1)
		}
		config.SQLiteURL = "file:" + *dir + "/"
	case "postgresql":
		if *pgURL == "" {
			fmt.Fprintln(os.Stderr, "ferretdb: -handler=postgresql needs -postgresql-url")
			os.Exit(2)
		}
		config.PostgreSQLURL = *pgURL
	default:
		fmt.Fprintln(os.Stderr, "ferretdb: -handler must be sqlite or postgresql, not", *handler)
		os.Exit(2)
	}

	f, err := ferretdb.New(&config)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := f.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}
