#include "sb_example.h"

#include <stdio.h>
#include <string.h>

#include "sb_clock.h"
#include "sb_date.h"
#include "sb_protocol.h"

static void reset(sb_example_request *m)
{
    static const Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    static const Skillbase__Apply apply = SKILLBASE__APPLY__INIT;
    static const Skillbase__ApplicationForm form = SKILLBASE__APPLICATION_FORM__INIT;
    static const Skillbase__Unit unit = SKILLBASE__UNIT__INIT;
    static const Skillbase__Contact contact = SKILLBASE__CONTACT__INIT;
    static const Skillbase__Project project = SKILLBASE__PROJECT__INIT;
    static const Skillbase__Site site = SKILLBASE__SITE__INIT;
    static const Skillbase__Staff staff = SKILLBASE__STAFF__INIT;
    static const Skillbase__Materials materials = SKILLBASE__MATERIALS__INIT;
    static const Skillbase__Transition transition = SKILLBASE__TRANSITION__INIT;
    static const Skillbase__Evaluate evaluate = SKILLBASE__EVALUATE__INIT;
    static const Skillbase__Assess assess = SKILLBASE__ASSESS__INIT;
    static const Skillbase__Scores scores = SKILLBASE__SCORES__INIT;
    static const Skillbase__Status status = SKILLBASE__STATUS__INIT;
    *m = (sb_example_request){
        .req = req,
        .apply = apply,
        .form = form,
        .unit = unit,
        .contact = contact,
        .project = {project, project},
        .site = site,
        .staff = staff,
        .materials = materials,
        .transition = transition,
        .evaluate = evaluate,
        .assess = assess,
        .scores = scores,
        .status = status,
    };
    m->req.protocol = SB_PROTOCOL_VERSION;
}

Skillbase__Request *sb_example_apply(sb_example_request *m, const char *credit_code)
{
    reset(m);
    m->unit.name = (char *)"杭州精工机械有限公司";
    m->unit.credit_code = (char *)credit_code;
    m->unit.type = SKILLBASE__UNIT_TYPE__ENTERPRISE;
    m->unit.district = (char *)"西湖区";
    m->unit.legal_person = 1;
    m->contact.name = (char *)"王建国";
    m->contact.phone = (char *)"0571-88001234";
    m->contact.email = (char *)"training@jinggong.example.com";
    m->project[0].occupation = (char *)"电工";
    m->project[0].level = (char *)"高级工";
    m->project[1].occupation = (char *)"数控车工";
    m->project[1].level = (char *)"技师";
    m->projects[0] = &m->project[0];
    m->projects[1] = &m->project[1];
    m->site.owned = 1;
    m->site.area_m2 = 1200;
    m->site.equipment_value_cny = 3500000;
    m->site.office_owned = 1;
    m->staff.full_time_managers = 2;
    m->staff.teachers = 12;
    m->materials.application_form = (char *)"DOC-2026-0001";
    m->materials.license = (char *)"DOC-2026-0002";
    m->materials.staff_credentials = (char *)"DOC-2026-0003";
    m->materials.management_rules = (char *)"DOC-2026-0004";
    m->form.unit = &m->unit;
    m->form.contact = &m->contact;
    snprintf(m->base_name, sizeof m->base_name, "精工机械%.9s",
             credit_code && strlen(credit_code) >= 17 ? credit_code + 8 : "");
    m->form.base_name = m->base_name;
    m->form.projects = m->projects;
    m->form.n_projects = 2;
    m->form.site = &m->site;
    m->form.staff = &m->staff;
    m->form.materials = &m->materials;
    m->apply.form = &m->form;
    m->req.command_case = SKILLBASE__REQUEST__COMMAND_APPLY;
    m->req.apply = &m->apply;
    return &m->req;
}

Skillbase__Request *sb_example_transition(sb_example_request *m,
                                          Skillbase__Request__CommandCase cmd, const char *id,
                                          const char *reason)
{
    reset(m);
    m->transition.id = m->evaluate.id = m->assess.id = (char *)id;
    m->transition.reason = m->evaluate.reason = m->assess.reason = (char *)reason;
    m->req.command_case = cmd;
    /* the experts' review (二(三)2, 五(一)): three experts, visited today */
    static char *experts[] = {"张三", "李四", "王五"};
    sb_date_format(sb_date_from_ms(sb_clock_now_ms()), m->visited_on);
    m->evaluate.experts = m->assess.experts = experts;
    m->evaluate.n_experts = m->assess.n_experts = 3;
    m->evaluate.visited_on = m->assess.visited_on = m->visited_on;
    switch (cmd) {
    case SKILLBASE__REQUEST__COMMAND_REVIEW:
        m->req.review = &m->transition;
        break;
    case SKILLBASE__REQUEST__COMMAND_EVALUATE:
        m->evaluate.passed = 1;
        m->req.evaluate = &m->evaluate;
        break;
    case SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY:
        m->req.close_publicity = &m->transition;
        break;
    case SKILLBASE__REQUEST__COMMAND_WITHDRAW:
        m->req.withdraw = &m->transition;
        break;
    case SKILLBASE__REQUEST__COMMAND_ASSESS:
        /* 85 of 100: good (附件3) */
        m->scores.basic_construction = 22;
        m->scores.system_construction = 17;
        m->scores.training_management = 20;
        m->scores.public_service = 21;
        m->scores.competition_hosting = 3;
        m->scores.other_public_service = 2;
        m->assess.scores = &m->scores;
        m->req.assess = &m->assess;
        break;
    default:
        return NULL;
    }
    return &m->req;
}

Skillbase__Request *sb_example_status(sb_example_request *m)
{
    reset(m);
    m->req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    m->req.status = &m->status;
    return &m->req;
}
