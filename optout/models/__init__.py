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
    Category,
    Channel,
    ChannelKind,
    ChannelProblem,
    DataCollected,
    DayKind,
    DeletionScope,
    DueDateRules,
    FormerRegistration,
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
    Agent,
    CountryCode,
    PostalAddress,
    Profile,
    Status,
    known_country,
)
