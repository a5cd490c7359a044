"""Activities and dates: the rules engine, activities and their form,
registrations, bookings and waiting lists, the calendar, closures, attendance,
calendar feeds, the school calendar. Imports households, accounts, shared."""
