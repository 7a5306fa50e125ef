package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/jobs"
	"github.com/rathaus/rathaus/internal/mapindex"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/notify"
	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/sortition"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/web"
)

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// openStore opens and migrates the database.
func openStore(ctx context.Context, dsn string, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, dsn, log)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogFormat, stderr)
	db, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer db.Close()
	return serve(ctx, cfg, db, log, nil)
}

// serve runs the HTTP server, the outbox worker and the sortition worker
// until ctx is done, then shuts down gracefully: no new connections,
// running requests finish (up to 20 s), the outbox worker stops after its
// current item, a running draw is cut off and queued again. ready, if not nil,
// is called with the bound address once the server listens.
func serve(ctx context.Context, cfg *config, db *store.DB, log *slog.Logger, ready func(addr string)) error {
	var mailer notify.Mailer
	if cfg.Dev {
		mailer = notify.NewLogMailer(log)
	} else {
		m, err := notify.NewSMTPMailer(cfg.SMTP)
		if err != nil {
			return err
		}
		mailer = m
	}
	blobs, err := media.NewBlobStore(cfg.Data)
	if err != nil {
		return err
	}
	worker := jobs.NewWorker(db, mailer, time.Now, log)
	drawWorker := jobs.NewDrawWorker(db, time.Now, log)
	drawWorker.Limit = cfg.SortitionLimit
	projector := quality.NewProjector(db, time.Now, log)
	alerts := quality.NewAlerts(db, time.Now, log)
	alerts.BaseURL = cfg.BaseURL
	kick := func() { worker.Kick(); projector.Kick() }
	maps := mapindex.New(db, time.Now, 0)
	ccfg := casework.Config{BaseURL: cfg.BaseURL, Kick: kick, Log: log, MapIndex: maps}
	if cfg.SurveySecret != "" {
		surveys, err := quality.NewSurveys(db, []byte(cfg.SurveySecret), time.Now, projector.Kick)
		if err != nil {
			return err
		}
		ccfg.SurveyLinks = func(id int64) [5]string { return surveys.Links(cfg.BaseURL, id) }
	}
	cases := casework.New(db, time.Now, ccfg)
	jurisdiction, err := defaultJurisdiction(ctx, db, cfg.Jurisdiction)
	if err != nil {
		return err
	}
	// The default jurisdiction's pins load while the server starts, so
	// that its first map queries need not go to SQL; others load on
	// their first query.
	go func() {
		if j, err := cases.Jurisdiction(ctx, jurisdiction); err == nil {
			if err := maps.Warm(ctx, j.ID); err != nil && ctx.Err() == nil {
				log.Warn("map index: loading failed; map queries go to SQL until it loads", "err", err)
			}
		}
	}()
	oidcLogin, err := newOIDC(ctx, cfg.OIDC, log)
	if err != nil {
		return err
	}
	handler, err := web.NewHandler(web.Deps{
		Cases: cases, Auth: auth.New(db, time.Now), Blobs: blobs, Limits: media.DefaultLimits(), Log: log,
		Now: time.Now, BaseURL: cfg.BaseURL, DefaultJurisdiction: jurisdiction, TrustedProxies: cfg.TrustedProxies,
		PostsPerMinute: cfg.PostsPerMinute, TileURL: cfg.TileURL, SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://"),
		OIDC: oidcLogin, SurveySecret: []byte(cfg.SurveySecret), Draws: sortition.NewDraws(db, time.Now, drawWorker.Kick),
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // photo uploads on slow mobile links
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	workerDone := make(chan struct{})
	var workers sync.WaitGroup
	workers.Go(func() { worker.Run(workerCtx) })
	// A draw cut off by the shutdown stays claimed and runs again after
	// the restart.
	workers.Go(func() { drawWorker.Run(workerCtx) })
	go func() {
		workers.Wait()
		close(workerDone)
	}()
	go jobs.RunRetention(workerCtx, db, time.Now, time.Hour, log)
	go projector.Run(workerCtx)
	go runAlerts(workerCtx, db, alerts, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "jurisdiction", jurisdiction, "dialect", db.Dialect())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		stopWorker()
		<-workerDone
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	stopWorker()
	<-workerDone
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// runAlerts checks the quality targets of every jurisdiction hourly; a
// missed target mails the department once per window through the outbox.
func runAlerts(ctx context.Context, db *store.DB, alerts *quality.Alerts, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		var js []*rathaus.Jurisdiction
		err := db.ReadTx(ctx, func(tx *store.Tx) error {
			var err error
			js, err = tx.Jurisdictions(ctx)
			return err
		})
		for _, j := range js {
			if _, err := alerts.Evaluate(ctx, j.ID); err != nil && ctx.Err() == nil {
				log.Error("quality alerts", "jurisdiction", j.Slug, "err", err)
			}
		}
		if err != nil && ctx.Err() == nil {
			log.Error("quality alerts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// defaultJurisdiction picks the slug used when requests name none: the
// configured one, else the first one in the database.
func defaultJurisdiction(ctx context.Context, db *store.DB, slug string) (string, error) {
	if slug != "" {
		return slug, nil
	}
	var first string
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		js, err := tx.Jurisdictions(ctx)
		if len(js) > 0 {
			first = js[0].Slug
		}
		return err
	})
	return first, err
}

// newOIDC builds the OpenID Connect login when an issuer is configured
// (nil otherwise). A provider that cannot be reached at start is not
// fatal: password login works meanwhile, and the OIDC login fetches the
// discovery document again when someone uses it.
func newOIDC(ctx context.Context, c auth.OIDCConfig, log *slog.Logger) (*auth.OIDC, error) {
	if c.Issuer == "" {
		return nil, nil
	}
	o, err := auth.NewOIDC(c, time.Now)
	if err != nil {
		return nil, fmt.Errorf("--oidc-*: %w", err)
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := o.Discover(dctx); err != nil {
		log.Warn("oidc: provider not reachable at start; it is tried again at the next login", "issuer", c.Issuer, "err", err)
	} else {
		log.Info("oidc: staff login enabled", "issuer", c.Issuer, "redirect_url", c.RedirectURL)
	}
	return o, nil
}
