"""The subscription routines of SPEC §6, each a command + preview() + execute().

Säg upp, Debitera, Uppgradera, Nedgradera, Frys, Tina upp, Förkorta frysning,
Förläng frysning, Överlåt, Ta bort annan betalare, Sluta betala för abonnemang.
See docs/decisions/subscription-routines.md.
"""
from app.routines.subscriptions.cancel import CancelPreview, CancelResult, CancelSubscription, CancelSubscriptionRoutine
from app.routines.subscriptions.common import OrderLinePreview, SubscriptionRowPreview
from app.routines.subscriptions.debit import (
    DebitOptions,
    DebitPreview,
    DebitResult,
    DebitSubscription,
    DebitSubscriptionRoutine,
)
from app.routines.subscriptions.freeze import (
    ChangeFreezeEnd,
    ExtendFreezeRoutine,
    FreezeChangePreview,
    FreezeChangeResult,
    FreezeLimits,
    FreezePreview,
    FreezeResult,
    FreezeSubscription,
    FreezeSubscriptionRoutine,
    ShortenFreezeRoutine,
    ThawSubscription,
    ThawSubscriptionRoutine,
)
from app.routines.subscriptions.payer import (
    PayerPreview,
    PayerResult,
    RemoveOtherPayer,
    RemoveOtherPayerRoutine,
    StopPayingForOther,
    StopPayingForOtherRoutine,
)
from app.routines.subscriptions.transfer import (
    TransferPreview,
    TransferResult,
    TransferSubscription,
    TransferSubscriptionRoutine,
)
from app.routines.subscriptions.upgrade import (
    ChangeProduct,
    ChangeProductPreview,
    ChangeProductResult,
    DowngradeSubscriptionRoutine,
    ProductOption,
    UpgradeSubscriptionRoutine,
)

__all__ = [
    "CancelPreview", "CancelResult", "CancelSubscription", "CancelSubscriptionRoutine",
    "ChangeFreezeEnd", "ChangeProduct", "ChangeProductPreview", "ChangeProductResult",
    "DebitOptions", "DebitPreview", "DebitResult", "DebitSubscription", "DebitSubscriptionRoutine",
    "DowngradeSubscriptionRoutine", "ExtendFreezeRoutine", "FreezeChangePreview", "FreezeChangeResult",
    "FreezeLimits", "FreezePreview", "FreezeResult", "FreezeSubscription", "FreezeSubscriptionRoutine",
    "OrderLinePreview", "PayerPreview", "PayerResult", "ProductOption", "RemoveOtherPayer",
    "RemoveOtherPayerRoutine", "ShortenFreezeRoutine", "StopPayingForOther", "StopPayingForOtherRoutine",
    "SubscriptionRowPreview", "ThawSubscription", "ThawSubscriptionRoutine", "TransferPreview", "TransferResult",
    "TransferSubscription", "TransferSubscriptionRoutine", "UpgradeSubscriptionRoutine",
]
