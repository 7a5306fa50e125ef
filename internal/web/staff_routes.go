package web

import (
	"net/http"

	"github.com/rathaus/rathaus"
)

// staffPages registers the staff back office: inbox, request page and its
// actions, and the administration. Each route states its minimum role;
// casework checks the department on top.
func (s *server) staffPages(mux *http.ServeMux) {
	const viewer, worker, admin = rathaus.RoleViewer, rathaus.RoleCaseworker, rathaus.RoleAdmin
	s.staff(mux, "GET /staff", viewer, s.ui.StaffInbox)
	s.staff(mux, "GET /staff/requests/{id}", viewer, s.ui.StaffRequest)
	s.staff(mux, "GET /staff/media/{id}", viewer, s.ui.StaffMedia)
	for _, a := range []string{"accept", "assign", "state", "reply", "note", "forward", "merge", "close", "reopen", "publish"} {
		s.staff(mux, "POST /staff/requests/{id}/"+a, worker, s.ui.StaffAction(a))
	}
	s.staff(mux, "POST /staff/requests/{id}/media/{mid}/publish", worker, s.ui.StaffAction("media_publish"))
	s.staff(mux, "POST /staff/requests/{id}/media/{mid}/blur", worker, s.ui.StaffAction("blur"))

	s.staff(mux, "GET /staff/admin", admin, s.ui.AdminOverview)
	s.staff(mux, "GET /staff/admin/departments", admin, s.ui.AdminDepartments)
	s.staff(mux, "POST /staff/admin/departments", admin, s.ui.AdminSaveDepartment)
	s.staff(mux, "POST /staff/admin/departments/{id}", admin, s.ui.AdminSaveDepartment)
	s.staff(mux, "GET /staff/admin/users", admin, s.ui.AdminUsers)
	s.staff(mux, "POST /staff/admin/users", admin, s.ui.AdminCreateUser)
	s.staff(mux, "POST /staff/admin/users/{id}", admin, s.ui.AdminUpdateUser)
	s.staff(mux, "GET /staff/admin/services", admin, s.ui.AdminServices)
	s.staff(mux, "POST /staff/admin/services", admin, s.ui.AdminSaveService)
	s.staff(mux, "GET /staff/admin/services/{id}", admin, s.ui.AdminService)
	s.staff(mux, "POST /staff/admin/services/{id}", admin, s.ui.AdminSaveService)
	s.staff(mux, "POST /staff/admin/services/{id}/attributes", admin, s.ui.AdminSaveAttribute)
	s.staff(mux, "POST /staff/admin/services/{id}/attributes/{code}/delete", admin, s.ui.AdminRemoveAttribute)
	s.staff(mux, "GET /staff/admin/services/{id}/survey", admin, s.ui.AdminSurvey) // internal/web/ui/quality_feedback.go
	s.staff(mux, "POST /staff/admin/services/{id}/survey", admin, s.ui.AdminSaveSurvey)
	s.staff(mux, "GET /staff/admin/routing", admin, s.ui.AdminRouting)
	s.staff(mux, "POST /staff/admin/routing", admin, s.ui.AdminAddRule)
	s.staff(mux, "POST /staff/admin/routing/{id}/delete", admin, s.ui.AdminDeleteRule)
	s.staff(mux, "GET /staff/admin/apikeys", admin, s.ui.AdminAPIKeys)
	s.staff(mux, "POST /staff/admin/apikeys", admin, s.ui.AdminCreateAPIKey)
	s.staff(mux, "POST /staff/admin/apikeys/{id}/revoke", admin, s.ui.AdminRevokeAPIKey)
	s.staff(mux, "GET /staff/admin/settings", admin, s.ui.AdminSettings)
	s.staff(mux, "POST /staff/admin/settings", admin, s.ui.AdminSaveSettings)
	s.staff(mux, "GET /staff/logo", viewer, s.ui.StaffLogo)
	s.staff(mux, "GET /staff/quality", rathaus.RoleLead, s.ui.QualityDashboard) // internal/web/ui/quality_dashboard.go
	s.staff(mux, "GET /staff/quality.csv", rathaus.RoleLead, s.ui.QualityExport("csv"))
	s.staff(mux, "GET /staff/quality.json", rathaus.RoleLead, s.ui.QualityExport("json"))
	// Targets and manual indicators (internal/web/ui/quality_admin.go).
	s.staff(mux, "GET /staff/quality/targets", rathaus.RoleLead, s.ui.QualityTargets)
	s.staff(mux, "POST /staff/quality/targets", rathaus.RoleLead, s.ui.QualityCreateTarget)
	s.staff(mux, "POST /staff/quality/targets/{id}/delete", rathaus.RoleLead, s.ui.QualityDeleteTarget)
	s.staff(mux, "GET /staff/quality/indicators", rathaus.RoleLead, s.ui.QualityIndicators)
	s.staff(mux, "POST /staff/quality/indicators", rathaus.RoleLead, s.ui.QualitySaveIndicator)
	s.staff(mux, "POST /staff/quality/indicators/values", rathaus.RoleLead, s.ui.QualitySaveValue)
	s.staff(mux, "POST /staff/quality/indicators/import", rathaus.RoleLead, s.ui.QualityImport)
	// Survey free texts of a department (internal/web/ui/quality_feedback.go).
	s.staff(mux, "GET /staff/quality/feedback", rathaus.RoleLead, s.ui.QualityFeedback)

	// Sortition: upload a pool, draw in the background, download the
	// results (internal/web/ui/sortition.go).
	s.staff(mux, "GET /staff/sortition", rathaus.RoleLead, s.ui.SortitionList)
	s.staff(mux, "GET /staff/sortition/new", rathaus.RoleLead, s.ui.SortitionForm)
	s.staff(mux, "POST /staff/sortition", rathaus.RoleLead, s.ui.SortitionCreate)
	s.staff(mux, "GET /staff/sortition/{id}", rathaus.RoleLead, s.ui.SortitionDraw)
	s.staff(mux, "GET /staff/sortition/{id}/files/{name}", rathaus.RoleLead, s.ui.SortitionFile)
	s.staff(mux, "POST /staff/sortition/{id}/cancel", rathaus.RoleLead, s.ui.SortitionCancel)
	s.staff(mux, "POST /staff/sortition/{id}/delete-pool", rathaus.RoleLead, s.ui.SortitionDeletePool)
	s.staff(mux, "POST /staff/sortition/{id}/delete", rathaus.RoleLead, s.ui.SortitionDelete)
}
