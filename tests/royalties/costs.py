"""Production costs for tests that are about what revenue does with them, not how they come
into effect: recorded the way the rules allow, then brought into effect."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from projects.models import Release
from royalties.models import ProductionCost
from royalties.selectors import producer_ids
from royalties.services import production_cost_approve, production_cost_record

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def receipt_pdf(name: str = "receipt.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def cost_in_effect(**fields) -> ProductionCost:
    """`production_cost_record(**fields)`, in effect at once. Before the release it is; after
    it, the cost is recorded with a receipt (unless one is given) and agreed to by a producer
    who neither recorded nor bore it, or, when there is none, its public window is taken as
    passed (the clock moved, not the rule)."""
    project = fields["project"]
    if Release.objects.filter(project=project).exists():
        fields.setdefault("receipt", receipt_pdf())
    cost = production_cost_record(**fields)
    if cost.rule == ProductionCost.Rule.AGREEMENT:
        others = producer_ids(project=project) - {cost.recorded_by_id, cost.borne_by_id}
        return production_cost_approve(cost=cost, actor=User.objects.get(pk=min(others)))
    if cost.rule == ProductionCost.Rule.WINDOW:
        ProductionCost.objects.filter(pk=cost.pk).update(effective_at=timezone.now())
        cost.refresh_from_db()
    return cost
