"""The one definition of every shape optout reads or writes.

Catalog files (broker_catalog/brokers/*.yaml, broker_catalog/laws/*.yaml) are validated
against these models; `optout catalog schema` exports them as JSON Schema.
"""

from .base import (  # noqa: F401
    CATALOG_TEXT_MAX,
    FORBIDDEN_IN_LINE,
    FORBIDDEN_IN_TEXT,
    PERSON_TEXT_MAX,
    SLUG_PATTERN,
    CatalogText,
    Line,
    NonEmpty,
    PersonText,
    Slug,
    StateCode,
    Strict,
    check_strings,
    check_text,
    visible,
)
from .catalog import (  # noqa: F401
    Appeal,
    Broker,
    BrokerRole,
    Channel,
    ChannelKind,
    DataCollected,
    DayKind,
    DeletionScope,
    DueDateRules,
    HolidayCalendar,
    Law,
    LawKind,
    Recipient,
    Registration,
    Regulation,
    Regulator,
    RequestKind,
    ResponseClock,
    Right,
    RightGrant,
    Source,
    Verification,
)
from .disclosure import (  # noqa: F401
    IDENTIFIER_ORDER,
    BrokerNeeds,
    CategoryNeeds,
    Disclosed,
    Disclosure,
    DisclosureTable,
    Identifier,
)
from .letters import (  # noqa: F401
    Block,
    Deadline,
    Decision,
    InvokedRight,
    Letter,
    Note,
    Signer,
)
from .people import (  # noqa: F401
    EMAIL_PATTERN,
    NAME_FORBIDDEN,
    OTHER_POSTCODE,
    UK_POSTCODE,
    US_ZIP,
    ZERO_ID,
    AdPlatform,
    AdvertisingId,
    Agent,
    CountryCode,
    ListingUrl,
    PostalAddress,
    Profile,
    Status,
    VehiclePlate,
    known_country,
)
