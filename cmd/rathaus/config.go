package main

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/notify"
)

// config is every setting of rathaus serve and rathaus demo. Each flag has
// an environment variable RATHAUS_<NAME> (upper case, dashes as
// underscores); a flag given on the command line wins.
type config struct {
	Addr           string
	DB             string
	Data           string
	BaseURL        string
	Jurisdiction   string
	Dev            bool
	SMTP           notify.SMTPConfig
	TrustedProxies []netip.Prefix
	PostsPerMinute int
	LogFormat      string
	TileURL        string
	OIDC           auth.OIDCConfig // staff login with OpenID Connect when Issuer is set
	// SurveySecret signs the rating links of the closing mail; empty
	// leaves the links out and turns /bewertung/ off.
	SurveySecret string
	// SortitionLimit is the time limit of one sortition draw.
	SortitionLimit time.Duration
}

// newFlagSet declares the server flags on a fresh FlagSet.
func newFlagSet(name string, cfg *config, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&cfg.DB, "db", "sqlite:rathaus.db", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.Data, "data", "data", "folder for uploaded files (photos)")
	fs.StringVar(&cfg.BaseURL, "base-url", "", "public URL of this installation, used in mails and media links (default http://ADDR)")
	fs.StringVar(&cfg.Jurisdiction, "jurisdiction", "", "jurisdiction slug used when a request names none (default: the only or first one)")
	fs.BoolVar(&cfg.Dev, "dev", false, "development mode: mail is logged, not sent")
	fs.StringVar(&cfg.SMTP.Host, "smtp-host", "", "SMTP relay host (required unless --dev)")
	fs.IntVar(&cfg.SMTP.Port, "smtp-port", 587, "SMTP relay port")
	fs.StringVar(&cfg.SMTP.Username, "smtp-user", "", "SMTP user name (optional)")
	fs.StringVar(&cfg.SMTP.Password, "smtp-password", "", "SMTP password (optional; prefer the environment variable)")
	fs.StringVar(&cfg.SMTP.From, "smtp-from", "", "sender address of citizen mails")
	fs.StringVar(&cfg.SMTP.TLS, "smtp-tls", "starttls", "SMTP transport security: starttls, tls or none")
	fs.DurationVar(&cfg.SMTP.Timeout, "smtp-timeout", 30*time.Second, "SMTP conversation timeout")
	proxies := fs.String("trusted-proxies", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted")
	fs.IntVar(&cfg.PostsPerMinute, "posts-per-minute", 30, "public POSTs allowed per client IP and minute")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&cfg.TileURL, "tile-url", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "map tile URL template for the citizen map; empty hides the map (the address form always works)")
	fs.StringVar(&cfg.OIDC.Issuer, "oidc-issuer", "", "OpenID Connect issuer URL for staff login (e.g. https://login.example.de/realms/stadt); empty: password login only")
	fs.StringVar(&cfg.OIDC.ClientID, "oidc-client-id", "", "OpenID Connect client id of rathaus")
	fs.StringVar(&cfg.OIDC.ClientSecret, "oidc-client-secret", "", "OpenID Connect client secret (prefer the environment variable)")
	fs.StringVar(&cfg.OIDC.RedirectURL, "oidc-redirect-url", "", "OpenID Connect redirect URI (default BASE-URL/login/oidc/callback)")
	fs.StringVar(&cfg.OIDC.RoleClaim, "oidc-role-claim", "roles", "ID token claim with roles, a dotted path such as realm_access.roles; only compared and logged, roles stay in rathaus")
	fs.StringVar(&cfg.SurveySecret, "survey-secret", "", "secret (at least 32 bytes, stable across restarts) that signs the satisfaction survey links; empty: no survey (prefer the environment variable)")
	fs.DurationVar(&cfg.SortitionLimit, "sortition-limit", 10*time.Minute, "time limit of one sortition draw run from the staff pages (LEXIMIN on large pools takes minutes)")
	return fs, proxies
}

// parseConfig reads flags, then fills every flag not given from
// RATHAUS_* variables.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs, proxies := newFlagSet(name, cfg, stderr)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%s: unexpected arguments %v", name, fs.Args())
	}
	if err := applyEnv(fs, getenv); err != nil {
		return nil, err
	}
	if *proxies != "" {
		for _, p := range strings.Split(*proxies, ",") {
			pfx, err := netip.ParsePrefix(strings.TrimSpace(p))
			if err != nil {
				return nil, fmt.Errorf("--trusted-proxies: %w", err)
			}
			cfg.TrustedProxies = append(cfg.TrustedProxies, pfx)
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.OIDC.Issuer == "" && (cfg.OIDC.ClientID != "" || cfg.OIDC.ClientSecret != "" || cfg.OIDC.RedirectURL != "") {
		return nil, fmt.Errorf("%s: --oidc-client-id, --oidc-client-secret and --oidc-redirect-url need --oidc-issuer (RATHAUS_OIDC_ISSUER)", name)
	}
	if cfg.OIDC.Issuer != "" && cfg.OIDC.RedirectURL == "" {
		cfg.OIDC.RedirectURL = cfg.BaseURL + "/login/oidc/callback"
	}
	if n := len(cfg.SurveySecret); n > 0 && n < 32 {
		return nil, fmt.Errorf("%s: --survey-secret (RATHAUS_SURVEY_SECRET) has %d bytes, at least 32 are needed", name, n)
	}
	if cfg.SortitionLimit <= 0 {
		return nil, fmt.Errorf("%s: --sortition-limit (RATHAUS_SORTITION_LIMIT) must be positive, not %s", name, cfg.SortitionLimit)
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return nil, fmt.Errorf("--log-format must be text or json, not %q", cfg.LogFormat)
	}
	if !cfg.Dev && cfg.SMTP.Host == "" {
		return nil, fmt.Errorf("%s: --smtp-host (RATHAUS_SMTP_HOST) is required unless --dev is set", name)
	}
	return cfg, nil
}

// applyEnv sets every flag that was not given on the command line from
// its RATHAUS_* environment variable.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		env := "RATHAUS_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, e)
			}
		}
	})
	return err
}
